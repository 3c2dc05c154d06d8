//! The table's hash (the kernel's is jhash over the tuple with a boot-time seed). A tuple is
//! 13 bytes hashed on every packet, so a multiply-and-rotate hash (FxHash's) replaces the
//! standard SipHash, which costs several times more here. No output depends on it: the
//! table is only ever looked up by key, never listed in hash order.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct TupleHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl TupleHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
    }
}

impl Hasher for TupleHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub type BuildTupleHasher = BuildHasherDefault<TupleHasher>;
pub type TupleMap<K, V> = std::collections::HashMap<K, V, BuildTupleHasher>;
