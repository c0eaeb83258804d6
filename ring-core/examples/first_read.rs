//! A first file read through the ring: write a temporary file, read it back with two
//! `IORING_OP_READ` entries submitted together, and check every byte.
//!
//! ```text
//! cargo run -p ring-core --example first_read
//! ```
//!
//! Every error (a refused setup, a full SQ, a failed or short read, a wrong byte) comes back
//! from `main` as an `Err`, so the process exits non-zero; nothing panics.

#[cfg(feature = "linux")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    read::run()
}

#[cfg(not(feature = "linux"))]
fn main() {
    eprintln!("first_read needs feature `linux` (the real ring)");
}

#[cfg(feature = "linux")]
mod read {
    use std::error::Error;
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::path::PathBuf;

    use ring_core::abi::Cqe;
    use ring_core::opcode::Read;
    use ring_core::{Errno, Ring};

    /// Bytes per READ entry; the file holds `CHUNKS` of them.
    const CHUNK: usize = 4096;
    const CHUNKS: usize = 2;

    pub fn run() -> Result<(), Box<dyn Error>> {
        // 1. A temporary file with known content: byte i holds i % 251.
        let content: Vec<u8> = (0..CHUNKS * CHUNK).map(|i| (i % 251) as u8).collect();
        let tmp = TempFile::create(&content)?;
        let file = File::open(&tmp.0)?;
        println!("wrote {} bytes to {}", content.len(), tmp.0.display());

        // 2. A ring with 4 SQ entries (the kernel gives the CQ twice as many).
        let mut ring = Ring::new(4)?;
        let p = ring.params();
        println!("ring fd {}: {} SQ entries, {} CQ entries", ring.fd(), p.sq_entries, p.cq_entries);

        // 3. The buffer the kernel reads into. The kernel may write into it at any time until
        //    the completion is reaped, including after an early return below; leaking it (once,
        //    8 KiB) keeps it valid for the rest of the process whatever happens.
        let buf: &'static mut [u8] = Box::leak(vec![0u8; CHUNKS * CHUNK].into_boxed_slice());

        // 4. One READ per chunk, at the chunk's file offset, tagged with the chunk number.
        //    `split` lends the two queues and the kernel handle at once.
        let (mut sq, mut cq, kernel) = ring.split();
        for (i, chunk) in buf.chunks_mut(CHUNK).enumerate() {
            let read = Read::new(file.as_raw_fd().into(), chunk.as_mut_ptr(), CHUNK as u32)
                .offset((i * CHUNK) as u64);
            // SAFETY: `chunk` is part of a leaked ('static) buffer, valid for writes of CHUNK
            // bytes until the completion arrives; this function reads it only after reaping
            // both completions, and nothing else touches it.
            let entry = unsafe { read.build() }.user_data(i as u64);
            sq.push(&entry)?;
        }

        // 5. Publish both entries with one SQ tail store, enter once, and wait for both.
        let consumed = sq.submit_and_wait(kernel, CHUNKS as u32)?;
        println!("submitted {CHUNKS} READ entries; the kernel consumed {consumed}");

        // 6. Reap. Completions carry the user_data of their entry, in whatever order the
        //    reads finished; one `reap` reads every visible CQE and releases them with one
        //    CQ head store.
        let mut done: Vec<Cqe> = Vec::new();
        while done.len() < CHUNKS {
            let missing = (CHUNKS - done.len()) as u32;
            cq.wait(kernel, missing)?;
            cq.reap(u32::MAX, |cqe| done.push(cqe));
        }
        for cqe in &done {
            let i = cqe.user_data as usize;
            if i >= CHUNKS {
                return Err(format!("completion with unknown user_data {}", cqe.user_data).into());
            }
            // A negative result is -errno.
            let n = Errno::result(cqe.res).map_err(|e| format!("read of chunk {i}: {e}"))?;
            println!(
                "completion: user_data {} res {} (file bytes {}..{})",
                cqe.user_data,
                cqe.res,
                i * CHUNK,
                i * CHUNK + n as usize
            );
            if n as usize != CHUNK {
                return Err(format!("short read of chunk {i}: {n} of {CHUNK} bytes").into());
            }
        }

        // 7. Check the bytes.
        if let Some(at) = buf.iter().zip(&content).position(|(got, want)| got != want) {
            return Err(format!("byte {at}: read {}, file has {}", buf[at], content[at]).into());
        }
        println!("ok: all {} bytes read back through the ring match the file", buf.len());
        Ok(())
    }

    /// A file under the temp dir, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn create(content: &[u8]) -> Result<Self, Box<dyn Error>> {
            let name = format!("ring-core-first-read-{}.bin", std::process::id());
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, content)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            Ok(TempFile(path))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
