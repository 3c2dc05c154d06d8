//! pcapng backend: one Section Header Block, one Interface Description Block per captured
//! interface, one Enhanced Packet Block per frame (with the stack's reasons as its comment).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Duration;

use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption, InterfaceTsResolution,
};
use pcap_file::pcapng::blocks::opt_common::CommonOption;
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness};

use super::{clip_frame, SNAPLEN};

/// An option's length field is a u16, so a longer comment cannot be stored; we cut it (at a
/// char boundary, so it stays valid UTF-8) rather than lose the whole capture.
const MAX_OPTION_LEN: usize = 65_532;

pub(super) struct NgWriter {
    inner: PcapNgWriter<BufWriter<File>>,
}

impl NgWriter {
    pub(super) fn new(file: BufWriter<File>) -> Result<NgWriter, String> {
        // pcap-file's own defaults are unsuitable: `PcapNgWriter::new` uses the host's native
        // endianness (bytes would differ between machines) and `SectionHeaderBlock::default()`
        // is big-endian. We fix little-endian and carry only shb_userappl: no hardware, OS or
        // hostname, so the file is the same on every machine. No version either, so the golden
        // captures survive a release.
        let section = SectionHeaderBlock {
            endianness: Endianness::Little,
            major_version: 1,
            minor_version: 0,
            section_length: -1,
            options: vec![SectionHeaderOption::UserApplication(Cow::Borrowed(
                "netstep",
            ))],
        };
        let inner = PcapNgWriter::with_section_header(file, section).map_err(|e| e.to_string())?;
        Ok(NgWriter { inner })
    }

    pub(super) fn add_interface(&mut self, name: &str) -> Result<(), String> {
        // if_tsresol = 9 matters: pcap-file encodes EPB timestamps with the interface's
        // resolution and defaults to microseconds, which would silently drop our nanoseconds.
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: SNAPLEN,
            options: vec![
                InterfaceDescriptionOption::IfName(Cow::Owned(name.to_string())),
                InterfaceDescriptionOption::IfTsResol(InterfaceTsResolution::NANO),
            ],
        };
        self.inner
            .write_pcapng_block(idb)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub(super) fn write_frame(
        &mut self,
        iface: u32,
        ts_ns: u64,
        frame: &[u8],
        comment: &str,
    ) -> Result<(), String> {
        let mut options = Vec::new();
        if !comment.is_empty() {
            let comment = truncate_utf8(comment, MAX_OPTION_LEN);
            options.push(EnhancedPacketOption::Common(CommonOption::Comment(
                Cow::Borrowed(comment),
            )));
        }
        let (data, original_len) = clip_frame(frame);
        // The timestamp is a Duration "since the epoch" to pcap-file; virtual time starts at 0,
        // so Wireshark shows 1970-01-01 00:00:00 plus the virtual time, never a wall clock.
        let epb = EnhancedPacketBlock {
            interface_id: iface,
            timestamp: Duration::from_nanos(ts_ns),
            original_len,
            data: Cow::Borrowed(data),
            options,
        };
        self.inner
            .write_pcapng_block(epb)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub(super) fn finish(self) -> Result<(), String> {
        self.inner.into_inner().flush().map_err(|e| e.to_string())
    }
}

fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
