//! Where connections live: a slab, as the kernel's nf_conntrack_cachep. An id is a slot;
//! a freed slot is reused by the next connection, so lookups by id cost one index and the
//! table never grows past its busiest moment. Listing goes in slot order.

use super::Conn;

#[derive(Default)]
pub struct ConnSlab {
    slots: Vec<Option<Conn>>,
    free: Vec<u32>,
    len: usize,
}

impl ConnSlab {
    /// The id the next `insert` of a new connection should use. Ids start at 1: 0 is
    /// "no connection" wherever one is optional.
    pub fn vacant(&self) -> u32 {
        match self.free.last() {
            Some(id) => *id,
            None => self.slots.len().max(1) as u32,
        }
    }

    pub fn insert(&mut self, id: u32, c: Conn) -> Option<Conn> {
        let i = id as usize;
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        if let Some(pos) = self.free.iter().rposition(|f| *f == id) {
            self.free.swap_remove(pos);
        }
        let old = self.slots[i].replace(c);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    pub fn get(&self, id: &u32) -> Option<&Conn> {
        self.slots.get(*id as usize)?.as_ref()
    }

    pub fn get_mut(&mut self, id: &u32) -> Option<&mut Conn> {
        self.slots.get_mut(*id as usize)?.as_mut()
    }

    pub fn contains_key(&self, id: &u32) -> bool {
        self.get(id).is_some()
    }

    pub fn remove(&mut self, id: &u32) -> Option<Conn> {
        let c = self.slots.get_mut(*id as usize)?.take()?;
        self.free.push(*id);
        self.len -= 1;
        Some(c)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &Conn)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.as_ref().map(|c| (i as u32, c)))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut Conn)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, c)| c.as_mut().map(|c| (i as u32, c)))
    }

    pub fn keys(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().map(|(id, _)| id)
    }

    pub fn values(&self) -> impl Iterator<Item = &Conn> {
        self.iter().map(|(_, c)| c)
    }
}
