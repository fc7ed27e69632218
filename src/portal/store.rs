//! Submitted workbooks and their annotated copies, stored by content:
//! `files/ab/abcdef…` under the data folder, named by the SHA-256 of the
//! bytes. A file is written to `files/tmp/`, synced, and renamed into place
//! before the database row that names it is committed; files no row names
//! (a crash between the two) are swept at start.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub const FILES_DIR: &str = "files";
const TMP_DIR: &str = "tmp";

pub struct Store {
    root: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

fn is_sha(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Store {
    /// The store under `data`, created if missing.
    pub fn open(data: &Path) -> io::Result<Store> {
        let root = data.join(FILES_DIR);
        fs::create_dir_all(root.join(TMP_DIR))?;
        Ok(Store { root })
    }

    /// The store under `data` as it is, for reading only (`sozialraum
    /// export`): nothing is created.
    pub fn existing(data: &Path) -> Store {
        Store {
            root: data.join(FILES_DIR),
        }
    }

    fn path_of(&self, sha: &str) -> Option<PathBuf> {
        is_sha(sha).then(|| self.root.join(&sha[..2]).join(sha))
    }

    /// Stores `bytes` durably and returns their SHA-256.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let sha = sha256_hex(bytes);
        let Some(dest) = self.path_of(&sha) else {
            return Err(io::Error::other("invalid digest"));
        };
        if fs::metadata(&dest).is_ok_and(|m| m.len() == bytes.len() as u64) {
            return Ok(sha);
        }
        let dir = dest.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir)?;
        let tmp = self
            .root
            .join(TMP_DIR)
            .join(format!("{sha}.{}", super::auth::random_hex(8)));
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            fs::rename(&tmp, &dest)?;
            File::open(&dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map(|()| sha)
    }

    /// The stored bytes of `sha`, verified against their digest.
    pub fn get(&self, sha: &str) -> io::Result<Vec<u8>> {
        let path = self
            .path_of(sha)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let bytes = fs::read(path)?;
        if sha256_hex(&bytes) != sha {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("stored file {sha} does not match its digest"),
            ));
        }
        Ok(bytes)
    }

    /// Removes what no submission names (left by a crash before its row was
    /// committed) and unfinished temporary files. Returns how many went.
    pub fn sweep(&self, keep: &HashSet<String>) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.root)? {
            let entry = entry?;
            let path = entry.path();
            if !entry.file_type()?.is_dir() {
                continue;
            }
            let is_tmp = entry.file_name() == TMP_DIR;
            for file in fs::read_dir(&path)? {
                let file = file?;
                let name = file.file_name().to_string_lossy().to_string();
                if is_tmp || !keep.contains(&name) {
                    fs::remove_file(file.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_comes_back_as_stored_and_is_found_by_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let sha = store.put(b"Quartalsmeldung").unwrap();
        assert_eq!(sha, sha256_hex(b"Quartalsmeldung"));
        assert_eq!(store.put(b"Quartalsmeldung").unwrap(), sha);
        assert_eq!(store.get(&sha).unwrap(), b"Quartalsmeldung");
        assert!(store.get("../../etc/passwd").is_err());
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let sha = store.put(b"abc").unwrap();
        fs::write(store.path_of(&sha).unwrap(), b"abd").unwrap();
        assert_eq!(
            store.get(&sha).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn sweeping_keeps_what_is_named_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let kept = store.put(b"kept").unwrap();
        let orphan = store.put(b"orphan").unwrap();
        fs::write(store.root.join(TMP_DIR).join("half"), b"x").unwrap();
        let keep: HashSet<String> = [kept.clone()].into();
        assert_eq!(store.sweep(&keep).unwrap(), 2);
        assert!(store.get(&kept).is_ok());
        assert!(store.get(&orphan).is_err());
    }
}
