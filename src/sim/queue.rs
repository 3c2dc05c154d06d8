//! The event queue: a min-heap ordered by (time, insertion sequence), so events at the same
//! instant run in the order they were scheduled and never race.

use super::time::Time;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What the heap orders: small, so that its sifting moves few bytes. The events themselves
/// stay put in `EventQueue::slots`.
#[derive(PartialEq, Eq)]
struct Key {
    time: Time,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    /// Reversed, because BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    /// The events, where their keys point; a slot is reused once its event is popped.
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    pub fn push(&mut self, time: Time, event: E) {
        self.seq += 1;
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key {
            time,
            seq: self.seq,
            slot,
        });
    }

    pub fn pop(&mut self) -> Option<(Time, E)> {
        loop {
            let key = self.heap.pop()?;
            self.free.push(key.slot);
            if let Some(event) = self.slots[key.slot as usize].take() {
                return Some((key.time, event));
            }
        }
    }

    pub fn peek(&self) -> Option<(Time, &E)> {
        let key = self.heap.peek()?;
        let event = self.slots[key.slot as usize].as_ref()?;
        Some((key.time, event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drops every pending event that matches, e.g. the frames of a crashed node.
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        let old = std::mem::take(&mut self.heap);
        for key in old {
            let slot = key.slot as usize;
            if self.slots[slot].as_ref().is_some_and(&mut keep) {
                self.heap.push(key);
            } else {
                self.slots[slot] = None;
                self.free.push(key.slot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::default();
        q.push(Time(5), "late");
        q.push(Time(1), "first");
        q.push(Time(1), "second");
        q.push(Time(3), "middle");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "second", "middle", "late"]);
    }

    #[test]
    fn slots_are_reused_and_retain_frees_them() {
        let mut q = EventQueue::default();
        for i in 0..4 {
            q.push(Time(i), i);
        }
        q.retain(|e| e % 2 == 0);
        assert_eq!(q.len(), 2);
        q.push(Time(9), 9);
        q.push(Time(1), 7);
        assert_eq!(q.slots.len(), 4, "freed slots were used again");
        assert_eq!(q.peek().map(|(t, e)| (t, *e)), Some((Time(0), 0)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, [0, 7, 2, 9]);
        assert!(q.is_empty());
    }
}
