use super::*;
use crate::error::Error;
use crate::graph::testing::equity;
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
    let u = ultimate_owners(&s, 0.0, NEVER).unwrap();
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
