//! Capture writer (pcapng / classic pcap): the only module that touches pcap-file.
//!
//! A capture must be byte-for-byte reproducible (the golden files in `pcaps/` are compared
//! byte for byte), so nothing here reads the wall clock, the hostname or the OS, and the byte
//! order is fixed (little-endian) instead of the host's.

mod pcap;
mod pcapng;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Largest frame stored whole; longer frames are cut and keep their original length, as a
/// real capture with this snaplen would (262144 is tcpdump's default).
const SNAPLEN: u32 = 262_144;

/// The file format of a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// pcapng: interfaces keep their names, frames carry the stack's reasons as comments.
    PcapNg,
    /// Classic pcap (nanosecond variant): one link type, no names, no comments.
    Pcap,
}

impl CaptureFormat {
    /// `.pcap` means classic pcap; anything else (`.pcapng`, no extension …) means pcapng.
    pub fn from_path(path: &Path) -> CaptureFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("pcap") => CaptureFormat::Pcap,
            _ => CaptureFormat::PcapNg,
        }
    }
}

enum Backend {
    Ng(pcapng::NgWriter),
    Classic(pcap::ClassicWriter),
}

/// Writes frames seen on the simulated interfaces to a pcapng or pcap file.
pub struct CaptureWriter {
    path: PathBuf,
    backend: Backend,
    /// Interfaces declared so far; classic pcap only needs the count to reject bad ids.
    interfaces: u32,
}

impl CaptureWriter {
    /// Create the file (parent dirs must exist; return io errors as a String message naming the path).
    pub fn create(path: &Path) -> Result<CaptureWriter, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        CaptureWriter::from_file(path, file)
    }

    /// A capture into a file already opened (and checked) by the caller; `path` names it in
    /// messages and chooses the format.
    pub fn from_file(path: &Path, file: File) -> Result<CaptureWriter, String> {
        let file = BufWriter::new(file);
        let backend = match CaptureFormat::from_path(path) {
            CaptureFormat::PcapNg => pcapng::NgWriter::new(file).map(Backend::Ng),
            CaptureFormat::Pcap => pcap::ClassicWriter::new(file).map(Backend::Classic),
        }
        .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(CaptureWriter {
            path: path.to_path_buf(),
            backend,
            interfaces: 0,
        })
    }

    /// The format chosen from the file name.
    pub fn format(&self) -> CaptureFormat {
        match self.backend {
            Backend::Ng(_) => CaptureFormat::PcapNg,
            Backend::Classic(_) => CaptureFormat::Pcap,
        }
    }

    /// Declare an interface (Ethernet link type); returns its id. In pcapng each call writes an
    /// Interface Description Block with option if_name = name (e.g. "client:eth0") and
    /// if_tsresol = 9 (nanoseconds), snaplen 262144. In classic pcap only one link type exists;
    /// interfaces are just remembered (names are lost; that is the pcap format's limit).
    pub fn add_interface(&mut self, name: &str) -> Result<u32, String> {
        if let Backend::Ng(w) = &mut self.backend {
            w.add_interface(name).map_err(|e| self.err(e))?;
        }
        let id = self.interfaces;
        self.interfaces += 1;
        Ok(id)
    }

    /// Write one frame seen on interface `iface` at virtual time `ts_ns` (nanoseconds since the start).
    /// pcapng: Enhanced Packet Block with the comment option (opt_comment) = `comment` when non-empty
    /// (multi-line comments allowed, joined with '\n'). Classic pcap: nanosecond-resolution header
    /// (magic 0xa1b23c4d), comment dropped.
    pub fn write_frame(
        &mut self,
        iface: u32,
        ts_ns: u64,
        frame: &[u8],
        comment: &str,
    ) -> Result<(), String> {
        // Checked here for both formats, so a wrong id fails the same way whichever is chosen
        // (classic pcap has no place to record it and would otherwise accept anything).
        if iface >= self.interfaces {
            return Err(self.err(format!(
                "unknown capture interface {iface} ({} declared)",
                self.interfaces
            )));
        }
        let res = match &mut self.backend {
            Backend::Ng(w) => w.write_frame(iface, ts_ns, frame, comment),
            Backend::Classic(w) => w.write_frame(ts_ns, frame),
        };
        res.map_err(|e| self.err(e))
    }

    /// Flush and close.
    pub fn finish(self) -> Result<(), String> {
        let path = self.path;
        match self.backend {
            Backend::Ng(w) => w.finish(),
            Backend::Classic(w) => w.finish(),
        }
        .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn err(&self, e: String) -> String {
        format!("{}: {e}", self.path.display())
    }
}

/// The stored part of a frame and its original length (snaplen applied).
fn clip_frame(frame: &[u8]) -> (&[u8], u32) {
    let stored = &frame[..frame.len().min(SNAPLEN as usize)];
    (stored, u32::try_from(frame.len()).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcap_file::pcap::PcapReader;
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption;
    use pcap_file::pcapng::blocks::interface_description::{
        InterfaceDescriptionOption, InterfaceTsResolution,
    };
    use pcap_file::pcapng::blocks::opt_common::CommonOption;
    use pcap_file::pcapng::blocks::section_header::SectionHeaderOption;
    use pcap_file::pcapng::{Block, PcapNgReader};
    use std::time::Duration;

    fn temp_path(tag: &str, ext: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "netstep-capture-{}-{tag}.{ext}",
            std::process::id()
        ))
    }

    /// (iface, ts_ns, frame, comment)
    fn sample() -> Vec<(u32, u64, Vec<u8>, &'static str)> {
        vec![
            (0, 0, vec![0xff; 60], "client arp: who-has 10.0.0.2"),
            (
                1,
                1_000_312_007,
                (0u8..=99).collect(),
                "dir ipvs: new TCP\ndir ipvs DR: out eth0",
            ),
            (0, 5_000_000_001, vec![1, 2, 3, 4, 5, 6, 7], ""),
        ]
    }

    fn write_sample(path: &Path) {
        let mut w = CaptureWriter::create(path).unwrap();
        assert_eq!(w.add_interface("client:eth0").unwrap(), 0);
        assert_eq!(w.add_interface("dir:eth0").unwrap(), 1);
        for (iface, ts, frame, comment) in sample() {
            w.write_frame(iface, ts, &frame, comment).unwrap();
        }
        w.finish().unwrap();
    }

    #[test]
    fn format_from_path() {
        assert_eq!(
            CaptureFormat::from_path(Path::new("out/a.pcap")),
            CaptureFormat::Pcap
        );
        assert_eq!(
            CaptureFormat::from_path(Path::new("out/a.pcapng")),
            CaptureFormat::PcapNg
        );
        assert_eq!(
            CaptureFormat::from_path(Path::new("out/a")),
            CaptureFormat::PcapNg
        );
    }

    #[test]
    fn pcapng_round_trip() {
        let path = temp_path("rt", "pcapng");
        write_sample(&path);
        let mut reader = PcapNgReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(
            reader.section().options,
            vec![SectionHeaderOption::UserApplication("netstep".into())]
        );
        let (mut names, mut frames) = (Vec::new(), Vec::new());
        while let Some(block) = reader.next_block() {
            match block.unwrap().0 {
                Block::InterfaceDescription(idb) => {
                    assert_eq!(idb.snaplen, SNAPLEN);
                    assert_eq!(idb.ts_resolution(), InterfaceTsResolution::NANO);
                    for opt in &idb.options {
                        if let InterfaceDescriptionOption::IfName(n) = opt {
                            names.push(n.to_string());
                        }
                    }
                }
                Block::EnhancedPacket(epb) => {
                    let comments: Vec<String> = epb
                        .options
                        .iter()
                        .filter_map(|o| match o {
                            EnhancedPacketOption::Common(CommonOption::Comment(c)) => {
                                Some(c.to_string())
                            }
                            _ => None,
                        })
                        .collect();
                    assert_eq!(epb.original_len as usize, epb.data.len());
                    frames.push((epb.interface_id, epb.timestamp, epb.data.to_vec(), comments));
                }
                other => panic!("unexpected block {other:?}"),
            }
        }
        assert_eq!(names, ["client:eth0", "dir:eth0"]);
        let expected: Vec<_> = sample()
            .into_iter()
            .map(|(i, ts, f, c)| {
                let comments = if c.is_empty() {
                    vec![]
                } else {
                    vec![c.to_string()]
                };
                (i, Duration::from_nanos(ts), f, comments)
            })
            .collect();
        assert_eq!(frames, expected);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn pcap_round_trip() {
        let path = temp_path("rt", "pcap");
        write_sample(&path);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes[..4], 0xa1b2_3c4d_u32.to_le_bytes());
        let mut reader = PcapReader::new(File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.header().snaplen, SNAPLEN);
        let mut frames = Vec::new();
        while let Some(pkt) = reader.next_packet() {
            let pkt = pkt.unwrap();
            frames.push((pkt.timestamp(), pkt.data().to_vec()));
        }
        let expected: Vec<_> = sample()
            .into_iter()
            .map(|(_, ts, f, _)| (Duration::from_nanos(ts), f))
            .collect();
        assert_eq!(frames, expected);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn identical_writes_identical_bytes() {
        for ext in ["pcapng", "pcap"] {
            let (a, b) = (temp_path("same-a", ext), temp_path("same-b", ext));
            write_sample(&a);
            write_sample(&b);
            assert_eq!(
                std::fs::read(&a).unwrap(),
                std::fs::read(&b).unwrap(),
                "{ext}"
            );
            std::fs::remove_file(&a).unwrap();
            std::fs::remove_file(&b).unwrap();
        }
    }

    #[test]
    fn errors_name_the_path() {
        let missing = temp_path("no-such-dir", "d").join("x.pcapng");
        let err = CaptureWriter::create(&missing).err().unwrap();
        assert!(err.contains(&missing.display().to_string()), "{err}");

        let path = temp_path("bad-iface", "pcap");
        let mut w = CaptureWriter::create(&path).unwrap();
        w.add_interface("a:eth0").unwrap();
        let err = w.write_frame(1, 0, &[0; 60], "").unwrap_err();
        assert!(err.contains("unknown capture interface 1"), "{err}");
        w.finish().unwrap();
        std::fs::remove_file(&path).unwrap();
    }
}
