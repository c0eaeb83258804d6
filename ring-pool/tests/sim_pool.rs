//! The pool over simulated rings on std threads (the same code the loom models check):
//! results reach their callers with workers completing out of order, the CQ never overflows
//! with a ring of one slot, shutdown delivers held operations, and a replaced ring set is
//! freed once the epoch advances.
#![cfg(not(loom))]

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use ring_core::opcode::Nop;
use ring_kernel_sim::{held_op, Mode, SimBuilder, SimRing};
use ring_pool::{Pool, Select, SimDriver, ESHUTDOWN};

type Rings = Arc<Mutex<Vec<Arc<SimRing>>>>;

fn pool(
    rings: usize,
    ring: impl Fn() -> SimBuilder + Send + Sync + 'static,
) -> (Arc<Pool<SimDriver>>, Rings) {
    let made: Rings = Arc::default();
    let m = Arc::clone(&made);
    let pool = Pool::builder()
        .rings(rings)
        .select(Select::Thread)
        .build_with(move |_| {
            let sim = ring().mode(Mode::Threads).build()?;
            m.lock().unwrap().push(Arc::clone(&sim));
            Ok(SimDriver::new(sim)?)
        })
        .unwrap();
    (Arc::new(pool), made)
}

#[test]
fn results_reach_their_callers_with_async_workers() {
    // Two io-wq workers complete IOSQE_ASYNC NOPs out of order.
    let (pool, rings) = pool(2, || SimRing::builder().entries(4).workers(2));
    let threads = rings.lock().unwrap().iter().map(|r| r.start()).collect::<Vec<_>>();
    thread::scope(|s| {
        for t in 0..8 {
            let pool = &pool;
            s.spawn(move || {
                for i in 0..200 {
                    let v = t * 1000 + i;
                    let e = Nop::new().inject_result(Some(v)).build();
                    let e = if i % 2 == 0 { e.force_async() } else { e };
                    assert_eq!(pool.run(e), Ok(v as u32));
                }
            });
        }
    });
    let st = pool.stats();
    assert_eq!((st.ops, st.delivered, st.stray), (1600, 1600, 0));
    pool.shutdown();
    threads.into_iter().for_each(|t| t.join());
}

#[test]
fn one_slot_many_threads_never_overflows_the_cq() {
    let (pool, rings) = pool(1, || SimRing::builder().entries(1).cq_entries(1).workers(0));
    assert_eq!(pool.stats().capacity, 1);
    thread::scope(|s| {
        for t in 0..6 {
            let pool = &pool;
            s.spawn(move || {
                let mut batch = pool.batch();
                for i in 0..5 {
                    batch.push(Nop::new().inject_result(Some(t * 10 + i)).build());
                }
                let want: Vec<_> = (0..5).map(|i| Ok((t * 10 + i) as u32)).collect();
                assert_eq!(batch.run(), want);
                for i in 0..20 {
                    assert_eq!(pool.run(Nop::new().inject_result(Some(i)).build()), Ok(i as u32));
                }
            });
        }
    });
    pool.shutdown();
    let sim = &rings.lock().unwrap()[0];
    assert_eq!(sim.stats().overflowed, 0);
    assert_eq!(sim.backlog_len(), 0);
    assert_eq!(pool.stats().ops, 6 * 25);
}

#[test]
fn shutdown_delivers_held_operations_before_it_returns() {
    let (pool, rings) = pool(1, || SimRing::builder().entries(4).workers(0));
    let sim = Arc::clone(&rings.lock().unwrap()[0]);
    let callers: Vec<_> = (0..3)
        .map(|_| {
            let pool = Arc::clone(&pool);
            // The simulator's held operation completes only when released.
            thread::spawn(move || pool.run(held_op(0)))
        })
        .collect();
    while sim.held().len() < 3 {
        thread::sleep(Duration::from_millis(1));
    }
    let closer = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown())
    };
    thread::sleep(Duration::from_millis(50));
    assert!(!closer.is_finished(), "shutdown returned with operations held");
    assert_eq!(pool.nop(), Err(ESHUTDOWN));
    for (i, ud) in sim.held().into_iter().enumerate() {
        assert!(sim.release_held(ud, 100 + i as i32));
    }
    closer.join().unwrap();
    let mut got: Vec<u32> = callers.into_iter().map(|c| c.join().unwrap().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, vec![100, 101, 102]);
}

#[test]
fn a_replaced_set_is_freed_once_the_epoch_advances() {
    let (pool, rings) = pool(3, || SimRing::builder().entries(2).workers(0));
    let retired: Vec<Arc<SimRing>> = rings.lock().unwrap()[1..].to_vec();
    rings.lock().unwrap().clear();
    thread::scope(|s| {
        let p = &pool;
        s.spawn(move || (0..300).for_each(|k| p.on(k).nop().unwrap()));
        pool.resize(1).unwrap();
    });
    let freed = (0..10_000).any(|_| {
        crossbeam_epoch::pin().flush();
        retired.iter().all(|r| Arc::strong_count(r) == 1)
    });
    assert!(freed, "the replaced set still holds the retired rings");
}
