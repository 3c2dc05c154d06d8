//! Classic pcap backend: one global header (Ethernet, nanosecond magic 0xa1b23c4d), then one
//! record per frame. The format has no interfaces and no comments; those are simply lost.

use std::fs::File;
use std::io::BufWriter;
use std::time::Duration;

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapTsResolution, PcapWriter};
use pcap_file::{DataLink, Endianness};

use super::{clip_frame, SNAPLEN};

pub(super) struct ClassicWriter {
    inner: PcapWriter<BufWriter<File>>,
}

impl ClassicWriter {
    pub(super) fn new(file: BufWriter<File>) -> Result<ClassicWriter, String> {
        // Spelled out rather than `PcapHeader::default()`: the default is microsecond resolution,
        // native endianness (machine-dependent bytes) and snaplen 65535 (write_packet would
        // reject larger frames).
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: SNAPLEN,
            datalink: DataLink::ETHERNET,
            ts_resolution: PcapTsResolution::NanoSecond,
            endianness: Endianness::Little,
        };
        let inner = PcapWriter::with_header(file, header).map_err(|e| e.to_string())?;
        Ok(ClassicWriter { inner })
    }

    pub(super) fn write_frame(&mut self, ts_ns: u64, frame: &[u8]) -> Result<(), String> {
        let (data, orig_len) = clip_frame(frame);
        let packet = PcapPacket::new(Duration::from_nanos(ts_ns), orig_len, data)
            .map_err(|e| e.to_string())?;
        self.inner
            .write_packet(&packet)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub(super) fn finish(mut self) -> Result<(), String> {
        self.inner.flush().map_err(|e| e.to_string())
    }
}
