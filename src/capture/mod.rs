//! Capture writer (pcapng / classic pcap): the only module that touches pcap-file.
