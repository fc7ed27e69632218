//! The keys of a unique column seen so far, as 64-bit fingerprints with the
//! row each was first seen in: 12 bytes a key. A `HashMap<u64, u32>` takes
//! 17 bytes a slot at a load of 44–87 %, and while it doubles it holds the
//! old table and the new one at once: ~53 MB at the end of a million-row
//! sheet, where this table needs 14–18 MB and never doubles all at once.

/// Fingerprints (never 0: 0 marks a free slot) and their first rows.
pub struct SeenKeys {
    shards: Vec<Shard>,
}

/// The table is split by the low bits of the fingerprint into shards that
/// grow one at a time, so a growth step copies a sliver, not the whole.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// A shard grows by a quarter once it is this full (in hundredths): linear
/// probing stays short below it.
const MAX_LOAD_PERCENT: usize = 85;

#[derive(Default)]
struct Shard {
    keys: Vec<u64>,
    rows: Vec<u32>,
    len: usize,
}

impl Default for SeenKeys {
    fn default() -> Self {
        SeenKeys {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

impl SeenKeys {
    /// The row `fingerprint` was first seen in; `None`, and `row` noted,
    /// when it is new.
    pub fn first_or_insert(&mut self, fingerprint: u64, row: u32) -> Option<u32> {
        let key = fingerprint.max(1);
        let shard = &mut self.shards[(key as usize) & (SHARDS - 1)];
        shard.first_or_insert(key, row)
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shard {
    fn first_or_insert(&mut self, key: u64, row: u32) -> Option<u32> {
        if (self.len + 1) * 100 > self.keys.len() * MAX_LOAD_PERCENT {
            self.grow();
        }
        let slot = self.slot_of(key);
        match self.keys.get(slot) {
            Some(&k) if k == key => self.rows.get(slot).copied(),
            _ => {
                if let (Some(k), Some(r)) = (self.keys.get_mut(slot), self.rows.get_mut(slot)) {
                    *k = key;
                    *r = row;
                    self.len += 1;
                }
                None
            }
        }
    }

    /// The slot holding `key`, or the free slot where it belongs (linear probing).
    fn slot_of(&self, key: u64) -> usize {
        let slots = self.keys.len();
        // The high bits pick the start (the low ones picked the shard).
        let mut slot = ((u128::from(key) * slots as u128) >> 64) as usize;
        loop {
            match self.keys.get(slot) {
                Some(&k) if k == key || k == 0 => return slot,
                Some(_) => slot = if slot + 1 == slots { 0 } else { slot + 1 },
                None => return 0,
            }
        }
    }

    fn grow(&mut self) {
        let slots = (self.keys.len() * 5 / 4).max(16);
        let old_keys = std::mem::replace(&mut self.keys, vec![0; slots]);
        let old_rows = std::mem::replace(&mut self.rows, vec![0; slots]);
        for (key, row) in old_keys.into_iter().zip(old_rows).filter(|(k, _)| *k != 0) {
            let slot = self.slot_of(key);
            if let (Some(k), Some(r)) = (self.keys.get_mut(slot), self.rows.get_mut(slot)) {
                *k = key;
                *r = row;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_row_of_a_key_is_remembered() {
        let mut seen = SeenKeys::default();
        assert_eq!(seen.first_or_insert(42, 7), None);
        assert_eq!(seen.first_or_insert(42, 9), Some(7));
        assert_eq!(seen.first_or_insert(43, 9), None);
        // 0 is a fingerprint like any other (it shares its slot with 1).
        assert_eq!(seen.first_or_insert(0, 11), None);
        assert_eq!(seen.first_or_insert(0, 12), Some(11));
        assert_eq!(seen.len(), 3);
    }

    #[test]
    fn many_keys_survive_growth_and_match_a_hash_map() {
        let mut seen = SeenKeys::default();
        let mut map = std::collections::HashMap::new();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for row in 0..200_000u32 {
            // A few keys come again: every 7th row repeats an earlier one.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = if row % 7 == 6 {
                u64::from(row / 2) + 1
            } else {
                x
            };
            let expected = map.get(&key.max(1)).copied();
            assert_eq!(seen.first_or_insert(key, row), expected, "row {row}");
            map.entry(key.max(1)).or_insert(row);
        }
        assert_eq!(seen.len(), map.len());
    }
}
