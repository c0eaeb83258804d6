//! The ring-core contender: `ring_core::Ring`, driven through `split()` (one SQ view, one CQ
//! view and the kernel handle for the whole loop).

use ring_core::opcode::{Nop, Read, Target};
use ring_core::{Errno, Ring};

use super::{NopLoop, ReadJob, ReadLoop, NOP_ENTRIES};
use crate::error::BenchError;
use crate::file::{block_words, AlignedBuf, BLOCK};
use crate::setup::Setup;

/// A ring for `setup` with `entries` SQ entries. Same-flags setups turn off `NO_SQARRAY`
/// (liburing 2.3 cannot run without the index array) and register the ring fd only when
/// the setup says so; [`Setup::Default`] is `Ring::new(entries)`.
pub fn ring(setup: Setup, entries: u32) -> Result<Ring, BenchError> {
    let ring = match setup {
        Setup::Default => Ring::new(entries)?,
        s => Ring::builder()
            .entries(entries)
            .no_sqarray(false)
            .register_ring_fd(s.registered_fd())
            .setup_flags(s.flags())
            .build()?,
    };
    Ok(ring)
}

/// ring-core's NOP loop.
pub struct RingCoreNop {
    ring: Ring,
    batch_api: bool,
}

impl RingCoreNop {
    /// A ring for `setup`; `batch_api` fills each batch through `acquire_batch` instead of
    /// one `push` per entry.
    pub fn new(setup: Setup, batch_api: bool) -> Result<Self, BenchError> {
        Ok(RingCoreNop { ring: ring(setup, NOP_ENTRIES)?, batch_api })
    }
}

impl NopLoop for RingCoreNop {
    fn name(&self) -> String {
        if self.batch_api { "ring-core (acquire_batch)" } else { "ring-core" }.into()
    }

    fn setup_seen(&self) -> Option<(u32, bool)> {
        Some((self.ring.params().flags, self.ring.registered_index().is_some()))
    }

    fn nops(&mut self, batch: u32, ops: u64) -> Result<u64, BenchError> {
        let (mut sq, mut cq, k) = self.ring.split();
        let (mut next, mut done, mut sum, mut bad) = (0u64, 0u64, 0u64, 0i32);
        while done < ops {
            let n = (batch as u64).min(ops - next) as u32;
            if self.batch_api {
                // A batch ends at the ring's wrap: the rest goes into a second one.
                let mut left = n;
                while left > 0 {
                    let mut b = sq.acquire_batch(left);
                    let cap = b.capacity();
                    if cap == 0 {
                        return Err(BenchError::fail("ring-core: SQ full"));
                    }
                    for _ in 0..cap {
                        b.push(&Nop::new().build().user_data(next))
                            .map_err(|_| BenchError::fail("ring-core: SQ full"))?;
                        next += 1;
                    }
                    left -= cap;
                }
            } else {
                for _ in 0..n {
                    sq.push(&Nop::new().build().user_data(next))
                        .map_err(|_| BenchError::fail("ring-core: SQ full"))?;
                    next += 1;
                }
            }
            sq.submit_and_wait(k, n.max(1))?;
            done += u64::from(cq.reap(u32::MAX, |c| {
                if c.res < 0 {
                    bad = c.res;
                }
                sum = sum.wrapping_add(c.user_data);
            }));
        }
        if bad < 0 {
            return Err(BenchError::fail(format!("ring-core: NOP failed: {}", Errno(-bad))));
        }
        Ok(sum)
    }
}

/// ring-core's read loop.
pub struct RingCoreRead {
    ring: Ring,
    depth: u32,
    bufs: AlignedBuf,
    label: String,
}

impl RingCoreRead {
    /// A ring for `setup` with `depth` entries and `depth` buffers.
    pub fn new(setup: Setup, depth: u32, label: &str) -> Result<Self, BenchError> {
        Ok(RingCoreRead {
            ring: ring(setup, depth)?,
            depth,
            bufs: AlignedBuf::new(depth as usize),
            label: label.into(),
        })
    }
}

impl ReadLoop for RingCoreRead {
    fn name(&self) -> String {
        self.label.clone()
    }

    fn reads(&mut self, job: &ReadJob<'_>, ops: u64) -> Result<u64, BenchError> {
        let depth = self.depth;
        let bufs = &mut self.bufs;
        let (mut sq, mut cq, k) = self.ring.split();
        let mut free: Vec<u32> = (0..depth).rev().collect();
        let (mut issued, mut done, mut sum, mut inflight, mut bad) = (0u64, 0u64, 0u64, 0u32, 0);
        let mut idx = job.start % job.offsets.len();
        while done < ops {
            while inflight < depth && issued < ops && bad == 0 {
                let s = free.pop().expect("a free slot when fewer than depth are in flight");
                let read = Read::new(Target::Fd(job.fd), bufs.slot_ptr(s as usize), BLOCK as u32)
                    .offset(job.offsets[idx]);
                // SAFETY: slot `s` is not in flight (it came off the free list) and `bufs`
                // outlives every read: the loop waits for all of them before returning, and
                // leaks the buffers if it cannot.
                let entry = unsafe { read.build() }.user_data(u64::from(s));
                if sq.push(&entry).is_err() {
                    free.push(s);
                    break;
                }
                idx += 1;
                if idx == job.offsets.len() {
                    idx = 0;
                }
                issued += 1;
                inflight += 1;
            }
            if inflight == 0 {
                break;
            }
            match sq.submit_and_wait(k, 1) {
                Ok(_) | Err(Errno::EINTR | Errno::EAGAIN | Errno::EBUSY) => {}
                Err(e) => {
                    bufs.leak_on_drop();
                    return Err(BenchError::fail(format!("ring-core: enter: {e}")));
                }
            }
            let n = cq.reap(u32::MAX, |c| {
                let s = c.user_data as u32;
                if c.res != BLOCK as i32 {
                    bad = if c.res < 0 { c.res } else { -libc::EIO };
                } else {
                    sum = sum.wrapping_add(block_words(bufs.slot(s as usize)));
                }
                free.push(s);
            });
            inflight -= n;
            done += u64::from(n);
            if bad != 0 && inflight == 0 {
                break;
            }
        }
        if bad != 0 {
            return Err(BenchError::fail(format!("ring-core: read failed: {}", Errno(-bad))));
        }
        Ok(sum)
    }
}
