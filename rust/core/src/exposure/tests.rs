use super::*;
use crate::error::Error;
use crate::graph::testing::{equity, in_pool};
use crate::graph::{EdgeInput, Graph};
use crate::interrupt::Interrupt;

fn value(entries: &[(u32, f64)], node: u32) -> f64 {
    entries.iter().find(|e| e.0 == node).map_or(0.0, |e| e.1)
}

const NEVER: Interrupt<'static> = Interrupt::never();

#[test]
fn chain_multiplies() {
    // P=0 → A=1 (0.8) → B=2 (0.75) → C=3 (0.6)
    let g = equity(4, &[(0, 1, 0.8), (1, 2, 0.75), (2, 3, 0.6)]);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    assert!((value(&holdings_of(&s, 0, NEVER).unwrap(), 3) - 0.36).abs() < 1e-15);
    assert!((value(&exposure_to(&s, 3, NEVER).unwrap(), 0) - 0.36).abs() < 1e-15);
    let (paths, cut) = simple_paths(&g, None, 0.0, 0.0, NEVER).unwrap();
    let p = paths
        .iter()
        .find(|s| s.holder == Some(0) && s.issuer == 3)
        .unwrap();
    assert!((p.value - 0.36).abs() < 1e-15 && !cut);
}

#[test]
fn diamond_adds_paths() {
    // A=0 → B1=1 (1.0), A → B2=2 (0.8), B1 → C=3 (0.2), B2 → C (0.4): 0.2 + 0.32
    let g = equity(4, &[(0, 1, 1.0), (0, 2, 0.8), (1, 3, 0.2), (2, 3, 0.4)]);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    assert!((value(&holdings_of(&s, 0, NEVER).unwrap(), 3) - 0.52).abs() < 1e-15);
}

#[test]
fn cross_holding_walks_and_ultimate() {
    // A=0 → B=1 (1.0), B → A (0.6), P=2 → A (0.4)
    let g = equity(3, &[(0, 1, 1.0), (1, 0, 0.6), (2, 0, 0.4)]);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    let a = holdings_of(&s, 0, NEVER).unwrap();
    assert!((value(&a, 1) - 2.5).abs() < 1e-12);
    assert!((value(&a, 0) - 1.5).abs() < 1e-12);
    let b = holdings_of(&s, 1, NEVER).unwrap();
    assert!((value(&b, 0) - 1.5).abs() < 1e-12);
    let (u, _) = ultimate_owners(&s, 0.0, false, NEVER).unwrap();
    for company in [0, 1] {
        let p = u
            .iter()
            .find(|x| x.holder == Some(2) && x.issuer == company)
            .unwrap();
        assert!((p.value - 1.0).abs() < 1e-12);
    }
    assert!(u
        .iter()
        .filter(|x| x.holder.is_none())
        .all(|x| x.value.abs() < 1e-12));
}

#[test]
fn closed_cycle_raises_under_walks_but_simple_paths_are_finite() {
    let g = equity(2, &[(0, 1, 1.0), (1, 0, 1.0)]);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    match holdings_of(&s, 0, NEVER) {
        Err(Error::ClosedCycle { members, size }) => {
            assert_eq!(members, vec![0, 1]);
            assert_eq!(size, 2);
        }
        other => panic!("expected ClosedCycle, got {other:?}"),
    }
    let (paths, _) = simple_paths(&g, None, 0.0, 0.0, NEVER).unwrap();
    assert_eq!(paths.len(), 2);
    assert!(paths
        .iter()
        .all(|p| p.value == 1.0 && p.holder != Some(p.issuer)));
}

#[test]
fn large_components_use_gauss_seidel_and_match_dense() {
    // A ring of 600 nodes, each 50% held by the previous one, plus an outside holder.
    let k = 600u32;
    let mut edges: Vec<(u32, u32, f64)> = (0..k).map(|i| (i, (i + 1) % k, 0.5)).collect();
    edges.push((k, 0, 0.3));
    let g = equity(k as usize + 1, &edges);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    let x = holdings_of(&s, k, NEVER).unwrap();
    // Holder k owns 0.3 of node 0; node i then 0.3 * 0.5^i, with the ring's round trips
    // multiplying by 1 / (1 - 0.5^600) ≈ 1.
    assert!((value(&x, 0) - 0.3).abs() < 1e-12);
    assert!((value(&x, 3) - 0.3 * 0.125).abs() < 1e-12);
}

#[test]
fn look_through_counts_credit_and_commitments() {
    // 0 lends 10 to 1 (credit); 2 commits 5 to 0 (0 is the supplier of customer 2).
    let g = Graph::build(
        &EdgeInput {
            num_nodes: 3,
            source: &[0, 2],
            target: &[1, 0],
            kind: &[1, 2],
            share: &[f64::NAN, f64::NAN],
            amount: &[10.0, 5.0],
        },
        NEVER,
    )
    .unwrap();
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    let l = look_through(&s, &[], &[0.0, 0.5, 0.2], 0.0, NEVER).unwrap();
    assert_eq!(l.direct, vec![10.0 * 0.5 + 5.0 * 0.2, 0.0, 0.0]);
    assert_eq!(l.credit, vec![10.0 * 0.5, 0.0, 0.0]);
    assert_eq!(l.commitment, vec![5.0 * 0.2, 0.0, 0.0]);
    assert_eq!(l.total, l.direct);
}

#[test]
fn simple_path_bounds_are_reported() {
    let g = equity(4, &[(0, 1, 0.5), (1, 2, 0.5), (2, 3, 0.5)]);
    let (deep, cut) = simple_paths(&g, Some(2), 0.0, 0.0, NEVER).unwrap();
    assert!(cut);
    assert!(!deep.iter().any(|p| p.holder == Some(0) && p.issuer == 3));
    let (light, cut) = simple_paths(&g, None, 0.2, 0.0, NEVER).unwrap();
    assert!(cut);
    assert!(light
        .iter()
        .any(|p| p.holder == Some(0) && p.issuer == 2 && p.value == 0.25));
    assert!(!light.iter().any(|p| p.holder == Some(0) && p.issuer == 3));
}

/// Random equity graphs: chains of holders (a DAG) plus cross-holdings closing cycles, with
/// `ring` extra nodes on one ring (a component past `DENSE_LIMIT` when large) whose members
/// also hold into the rest. Shares held in each issuer sum to at most 0.9 (1.0 for a few,
/// fully owned subsidiaries).
fn random_holdings(seed: u64, n: u32, ring: u32) -> Graph {
    use crate::rng::Rng;
    let mut rng = Rng::stream(seed, 7, 0);
    let total = n + ring;
    let mut room = vec![0.9f64; total as usize];
    let mut edges: Vec<(u32, u32, f64)> = Vec::new();
    let add = |edges: &mut Vec<(u32, u32, f64)>, room: &mut Vec<f64>, i: u32, j: u32, s: f64| {
        let s = s.min(room[j as usize]);
        if i != j && s > 0.0 && !edges.iter().any(|&(a, b, _)| (a, b) == (i, j)) {
            room[j as usize] -= s;
            edges.push((i, j, s));
        }
    };
    for j in 1..n {
        if rng.bernoulli(0.05) {
            room[j as usize] = 1.0; // a fully owned subsidiary
            let i = rng.below(j as u64) as u32;
            add(&mut edges, &mut room, i, j, 1.0);
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(j as u64) as u32;
            add(&mut edges, &mut room, i, j, 0.6 * rng.open01());
        }
        if rng.bernoulli(0.1) {
            // A cross-holding: j holds one of its ancestors (or anyone before it).
            let a = rng.below(j as u64) as u32;
            add(&mut edges, &mut room, j, a, 0.3 * rng.open01());
        }
    }
    for r in 0..ring {
        let (v, next) = (n + r, n + (r + 1) % ring);
        add(&mut edges, &mut room, v, next, 0.5 + 0.3 * rng.open01());
        let outside = rng.below(n as u64) as u32;
        add(&mut edges, &mut room, v, outside, 0.2 * rng.open01());
        add(&mut edges, &mut room, outside, v, 0.1 * rng.open01());
    }
    equity(total as usize, &edges)
}

/// Every row of W̃ exactly, as (holder, issuer) → value.
fn exact_table(s: &Solver<'_>) -> std::collections::BTreeMap<(u32, u32), f64> {
    let mut out = std::collections::BTreeMap::new();
    for h in 0..s.g.num_nodes() as u32 {
        for (j, v) in holdings_of(s, h, NEVER).unwrap() {
            out.insert((h, j), v);
        }
    }
    out
}

#[test]
fn sparse_walks_meet_their_bound_and_miss_no_pair_above_the_threshold() {
    let (mut blocks, mut checked) = (0, 0);
    for seed in 0..12u64 {
        let ring = if seed % 3 == 0 { 300 } else { 0 };
        let g = random_holdings(seed, 150 + 40 * seed as u32, ring);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let exact = exact_table(&s);
        for threshold in [0.002, 0.01, 0.05] {
            let (stakes, bound) = integrated_walks_sparse(&s, threshold, NEVER).unwrap();
            assert!(
                bound <= SPARSE_BOUND_FRACTION * threshold,
                "seed {seed}: {bound}"
            );
            let table: std::collections::BTreeMap<(u32, u32), f64> = stakes
                .iter()
                .map(|st| ((st.holder.unwrap(), st.issuer), st.value))
                .collect();
            assert_eq!(table.len(), stakes.len(), "one row per pair");
            for (&(h, j), &v) in &table {
                let truth = exact.get(&(h, j)).copied().unwrap_or(0.0);
                // A lower bound, within the bound (and float rounding).
                assert!(
                    v <= truth + 1e-12 && truth - v <= bound + 1e-12,
                    "seed {seed}"
                );
                assert!(v > threshold - bound, "seed {seed}: ({h}, {j}) = {v}");
            }
            for (&(h, j), &truth) in &exact {
                if truth > threshold {
                    assert!(
                        table.contains_key(&(h, j)),
                        "seed {seed}: ({h}, {j}) = {truth}"
                    );
                    checked += 1;
                }
            }
            // Holder then issuer order.
            assert!(stakes
                .windows(2)
                .all(|w| (w[0].holder, w[0].issuer) < (w[1].holder, w[1].issuer)));
        }
        blocks += g.num_nodes().saturating_sub(plan.num_components());
    }
    assert!(
        blocks > 300 && checked > 1000,
        "{blocks} nodes in cycles, {checked} pairs"
    );
}

#[test]
fn sparse_ultimate_owners_match_the_exact_ones_within_the_bound() {
    for seed in 0..6u64 {
        let g = random_holdings(100 + seed, 300, if seed % 2 == 0 { 280 } else { 0 });
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let (exact, zero) = ultimate_owners(&s, 0.0, false, NEVER).unwrap();
        assert_eq!(zero, 0.0);
        let threshold = 0.01;
        let (sparse, bound) = ultimate_owners(&s, threshold, true, NEVER).unwrap();
        assert!(bound > 0.0 && bound <= SPARSE_BOUND_FRACTION * threshold);
        let key = |st: &Stake| (st.holder, st.issuer);
        let found: std::collections::BTreeMap<_, f64> =
            sparse.iter().map(|st| (key(st), st.value)).collect();
        for st in &exact {
            match found.get(&key(st)) {
                Some(&v) if st.holder.is_none() => assert_eq!(v, st.value),
                Some(&v) => assert!(v <= st.value + 1e-12 && st.value - v <= bound + 1e-12),
                None => assert!(st.value <= threshold, "seed {seed}: {st:?} missing"),
            }
        }
    }
}

#[test]
fn sparse_tables_are_the_same_bits_on_any_thread_count() {
    let g = random_holdings(5, 400, 300);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| integrated_walks_sparse(&s, 0.01, NEVER).unwrap())
    };
    let (one, b1) = run(1);
    let bits = |t: &[Stake]| -> Vec<(Option<u32>, u32, u64)> {
        t.iter()
            .map(|st| (st.holder, st.issuer, st.value.to_bits()))
            .collect()
    };
    for threads in [2, 3, 8] {
        let (many, b) = run(threads);
        assert_eq!(bits(&one), bits(&many));
        assert_eq!(b1.to_bits(), b.to_bits());
    }
}

#[test]
fn sparse_walks_refuse_a_closed_cycle() {
    let g = equity(3, &[(0, 1, 1.0), (1, 0, 1.0), (2, 0, 0.0)]);
    let plan = Plan::new(&g, NEVER).unwrap();
    let s = Solver { g: &g, plan: &plan };
    assert!(matches!(
        integrated_walks_sparse(&s, 0.01, NEVER),
        Err(Error::ClosedCycle { size: 2, .. })
    ));
}

/// Loader over saved arrays, each in its own allocation (borrowed, or copied if unaligned).
fn loader(saved: crate::parts::Saved) -> crate::parts::Loader {
    use crate::buffer::Foreign;
    use std::sync::Arc;
    let arrays = saved
        .arrays
        .into_iter()
        .map(|(name, bytes)| {
            let keep = Arc::new(bytes.as_slice().to_vec());
            // SAFETY: the bytes live in the Arc, never changed.
            let f = unsafe { Foreign::new(keep.as_ptr(), keep.len(), keep.clone()) };
            (name, f)
        })
        .collect();
    crate::parts::Loader::new(saved.numbers.into_iter().collect(), arrays)
}

fn saved<'a>(g: &'a Graph, plan: Option<&'a Plan>) -> crate::parts::Saved<'a> {
    let mut out = crate::parts::Saved::default();
    g.save(&mut out);
    if let Some(plan) = plan {
        plan.save(&mut out);
    }
    out
}

#[test]
fn saved_graph_and_plan_open_to_the_same_bits() {
    let g = random_holdings(11, 700, 400); // one component above DENSE_LIMIT
    let plan = Plan::new(&g, NEVER).unwrap();
    // The Holders side is built on first use: saved (and opened) only once built.
    let mut parts = loader(saved(&g, Some(&plan)));
    let g2 = Graph::load(&mut parts).unwrap();
    assert!(Plan::load(&mut parts, g2.num_nodes())
        .unwrap()
        .unwrap()
        .holders
        .get()
        .is_none());
    plan.side(Direction::Holders, NEVER).unwrap();
    let mut parts = loader(saved(&g, Some(&plan)));
    let g2 = Graph::load(&mut parts).unwrap();
    let plan2 = Plan::load(&mut parts, g2.num_nodes()).unwrap().unwrap();
    assert!(plan2.holders.get().is_some());
    assert_eq!(g2.num_edges(), g.num_edges());
    for u in 0..g.num_nodes() as u32 {
        assert_eq!(g2.out_edges(u), g.out_edges(u));
        assert_eq!(g2.in_edges(u), g.in_edges(u));
    }
    let b: Vec<f64> = (0..g.num_nodes()).map(|i| (i % 7) as f64 + 0.5).collect();
    for dir in [Direction::Holdings, Direction::Holders] {
        let x = plan.solve(dir, &b, NEVER).unwrap();
        let y = plan2.solve(dir, &b, NEVER).unwrap();
        assert!(x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
    // Without a plan, none comes back.
    let mut parts = loader(saved(&g, None));
    let g3 = Graph::load(&mut parts).unwrap();
    assert!(Plan::load(&mut parts, g3.num_nodes()).unwrap().is_none());
}

#[test]
fn damaged_saved_graphs_are_errors() {
    let g = random_holdings(12, 300, 0);
    let plan = Plan::new(&g, NEVER).unwrap();
    plan.side(Direction::Holders, NEVER).unwrap(); // saved too once built
    let edit = |name: &str, f: &dyn Fn(&mut Vec<u8>)| {
        let mut out = saved(&g, Some(&plan));
        let (_, bytes) = out.arrays.iter_mut().find(|(n, _)| n == name).unwrap();
        let mut copy = bytes.as_slice().to_vec();
        f(&mut copy);
        *bytes = crate::parts::Bytes::Copy(copy);
        let mut parts = loader(out);
        Graph::load(&mut parts).and_then(|g| Plan::load(&mut parts, g.num_nodes()).map(|_| g))
    };
    let message = |r: crate::error::Result<Graph>| r.expect_err("an error").to_string();
    let bad_kind = message(edit("out_edges", &|b| b[12] = 9));
    assert!(bad_kind.contains("out_edges"), "{bad_kind}");
    let short = message(edit("in_edges", &|b| b.truncate(b.len() - 8)));
    assert!(
        short.contains("in_edges") && short.contains("expected"),
        "{short}"
    );
    let odd = message(edit("out_amounts", &|b| b.truncate(b.len() - 3)));
    assert!(odd.contains("whole number"), "{odd}");
    let far = message(edit("out_edges", &|b| {
        b[8..12].copy_from_slice(&u32::MAX.to_ne_bytes())
    }));
    assert!(far.contains("out of range"), "{far}");
    let order = message(edit("out_offsets", &|b| {
        b[8..16].copy_from_slice(&u64::MAX.to_ne_bytes())
    }));
    assert!(order.contains("out_offsets"), "{order}");
    let plan_col = message(edit("plan.holders.outside.cols", &|b| {
        b[0..4].copy_from_slice(&u32::MAX.to_ne_bytes())
    }));
    assert!(plan_col.contains("plan.holders.outside"), "{plan_col}");
    let mut out = saved(&g, None);
    out.arrays.retain(|(n, _)| n != "in_edges");
    let missing = Graph::load(&mut loader(out)).err().unwrap().to_string();
    assert!(missing.contains("no \"in_edges\""), "{missing}");
}

/// The generator's graph with `n` nodes: with cross-holdings of a few percent, most nodes join
/// one component, laid out in sweep levels (`sweep_order`).
fn synthetic(n: usize, cross_holding: f64) -> Graph {
    use crate::synth::{investor_graph, SynthParams};
    let params = SynthParams {
        num_nodes: n,
        avg_degree: 3.5,
        cross_holding,
        max_held: 0.9,
        commitments: 0.0,
        seed: 3,
        core_held: Vec::new(),
    };
    let edges = investor_graph(&params, NEVER).unwrap();
    let source: Vec<u32> = edges.source.iter().map(|&v| v as u32).collect();
    let target: Vec<u32> = edges.target.iter().map(|&v| v as u32).collect();
    let input = EdgeInput {
        num_nodes: n,
        source: &source,
        target: &target,
        kind: &edges.kind,
        share: &edges.share,
        amount: &[],
    };
    Graph::build(&input, NEVER).unwrap()
}

/// The widest sweep level of the plan's largest component, and that component's size.
fn largest_sweep(plan: &Plan) -> (usize, usize) {
    (0..plan.start.len() - 1)
        .filter_map(|slot| {
            let levels = plan.sweep_levels(slot)?;
            let widest = levels.windows(2).map(|w| (w[1] - w[0]) as usize).max()?;
            Some((widest, *levels.last()? as usize))
        })
        .max_by_key(|&(_, size)| size)
        .unwrap_or((0, 0))
}

#[test]
fn large_component_sweeps_give_the_same_bits_for_any_thread_count() {
    let g = synthetic(40_000, 0.03);
    let plan = Plan::new(&g, NEVER).unwrap();
    let (widest, size) = largest_sweep(&plan);
    // Levels wide enough that the sweep splits them into parallel tasks (three at least).
    let chunk = super::local_solve::SWEEP_CHUNK;
    assert!(
        size > DENSE_LIMIT && widest >= 3 * chunk,
        "{size} rows, widest {widest}"
    );
    let n = g.num_nodes();
    let b: Vec<f64> = (0..n).map(|i| 1.0 + (i * 7919 % 101) as f64).collect();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
    for dir in [Direction::Holdings, Direction::Holders] {
        let one = in_pool(1, || plan.solve(dir, &b, NEVER)).unwrap();
        for threads in [2, 3, 8] {
            let many = in_pool(threads, || plan.solve(dir, &b, NEVER)).unwrap();
            assert_eq!(bits(&one), bits(&many), "{dir:?}, {threads} threads");
        }
    }
    let s = Solver { g: &g, plan: &plan };
    let one = in_pool(1, || look_through(&s, &b, &[], 0.0, NEVER)).unwrap();
    let two = in_pool(2, || look_through(&s, &b, &[], 0.0, NEVER)).unwrap();
    assert_eq!(bits(&one.total), bits(&two.total));
}

#[test]
fn large_component_sweeps_match_a_tight_reference() {
    // Reference: x ← M x + b iterated to its fixed point (the shares held in an issuer sum to
    // at most 0.9, so M's spectral radius is at most 0.9: 1500 rounds shrink the error below
    // 1e-60 of the start).
    let g = synthetic(20_000, 0.03);
    let plan = Plan::new(&g, NEVER).unwrap();
    assert!(largest_sweep(&plan).1 > 1000);
    let n = g.num_nodes();
    let mut edges = Vec::new();
    for u in 0..n as u32 {
        for e in g.out_edges(u) {
            edges.push((u as usize, e.target as usize, e.share));
        }
    }
    let b: Vec<f64> = (0..n).map(|i| 1.0 + (i * 31 % 17) as f64).collect();
    for dir in [Direction::Holdings, Direction::Holders] {
        let mut x = b.clone();
        for _ in 0..1500 {
            let mut next = b.clone();
            for &(h, i, w) in &edges {
                match dir {
                    Direction::Holdings => next[h] += w * x[i],
                    Direction::Holders => next[i] += w * x[h],
                }
            }
            x = next;
        }
        let got = plan.solve(dir, &b, NEVER).unwrap();
        let worst = (0..n)
            .map(|v| (got[v] - x[v]).abs() / x[v].abs())
            .fold(0.0f64, f64::max);
        assert!(worst <= 1e-10, "{dir:?}: relative error {worst:e}");
    }
}
