use super::testing::build;
use super::*;
use crate::interrupt::Interrupt;

#[test]
fn forward_and_reverse_agree() {
    let g = build(
        4,
        &[
            (2, 0, 0, 0.5, 10.0),
            (0, 1, 0, 0.25, f64::NAN),
            (0, 3, 2, f64::NAN, 7.0),
            (1, 0, 1, f64::NAN, 3.0),
        ],
    )
    .unwrap();
    assert_eq!(g.num_nodes(), 4);
    assert_eq!(g.num_edges(), 4);
    let out0: Vec<u32> = g.out_edges(0).iter().map(|e| e.target).collect();
    assert_eq!(out0, vec![1, 3]);
    let holders0: Vec<(u32, f64)> = g.equity_holders(0).collect();
    assert_eq!(holders0, vec![(2, 0.5)]);
    // The credit edge 1 → 0 is an in-edge of 0 but not an equity holding.
    assert_eq!(g.in_edges(0).len(), 2);
    let p = g.out_range(0).find(|&p| g.edge(p).target == 3).unwrap();
    assert_eq!(g.edge(p).kind, Kind::Commitment);
    assert_eq!(g.amount(p), 7.0);
    assert!(g.edge(p).share.is_nan());
    assert_eq!(g.merged_duplicates(), 0);
}

#[test]
fn duplicates_sum_in_input_order_and_unknown_amount_stays_unknown() {
    let g = build(
        3,
        &[
            (0, 1, 0, 0.1, 1.0),
            (0, 2, 2, f64::NAN, 5.0),
            (0, 1, 0, 0.2, 2.0),
            (0, 1, 1, f64::NAN, 4.0),
            (0, 2, 2, f64::NAN, f64::NAN),
        ],
    )
    .unwrap();
    assert_eq!(g.num_edges(), 3);
    assert_eq!(g.merged_duplicates(), 2);
    let edges: Vec<(u32, Kind, f64)> = g
        .out_range(0)
        .map(|p| (g.edge(p).target, g.edge(p).kind, g.amount(p)))
        .collect();
    assert_eq!(edges[0], (1, Kind::Equity, 3.0));
    assert_eq!(g.edge(0).share, 0.1 + 0.2);
    assert_eq!(edges[1], (1, Kind::Credit, 4.0));
    assert_eq!(edges[2].0, 2);
    assert!(edges[2].2.is_nan());
    // The reverse side sees the merged edges only.
    assert_eq!(g.in_edges(1).len(), 2);
}

#[test]
fn over_held_issuer_is_refused_with_its_holders() {
    let err = build(
        4,
        &[
            (0, 3, 0, 0.5, 0.0),
            (1, 3, 0, 0.4, 0.0),
            (2, 3, 0, 0.2, 0.0),
        ],
    )
    .unwrap_err();
    let Error::OverHeld { issuers, count } = err else {
        panic!("expected OverHeld, got {err:?}");
    };
    assert_eq!(count, 1);
    assert_eq!(issuers[0].issuer, 3);
    assert!((issuers[0].total - 1.1).abs() < 1e-12);
    assert_eq!(issuers[0].top_holders, vec![(0, 0.5), (1, 0.4), (2, 0.2)]);
}

#[test]
fn shares_summing_to_one_within_tolerance_pass() {
    let g = build(3, &[(0, 2, 0, 0.7, 0.0), (1, 2, 0, 0.3 + 5e-10, 0.0)]);
    assert!(g.is_ok());
}

#[test]
fn malformed_columns_are_errors_not_panics() {
    // Bad data: told by its row.
    let bad_share = build(2, &[(0, 1, 0, 1.5, 0.0)]);
    assert!(matches!(bad_share, Err(Error::InvalidRow { row: 0, .. })));
    let bad_node = build(2, &[(0, 1, 0, 0.5, 0.0), (0, 2, 0, 0.5, 0.0)]);
    assert!(matches!(bad_node, Err(Error::InvalidRow { row: 1, .. })));
    let bad_kind = build(2, &[(0, 1, 9, 0.5, 0.0)]);
    assert!(matches!(bad_kind, Err(Error::InvalidRow { row: 0, .. })));
    let bad_amount = build(2, &[(0, 1, 1, f64::NAN, -1.0)]);
    assert!(matches!(bad_amount, Err(Error::InvalidRow { row: 0, .. })));
    // A broken contract (columns of different lengths): the caller's bug.
    let short = Graph::build(
        &EdgeInput {
            num_nodes: 2,
            source: &[0, 1],
            target: &[1],
            kind: &[],
            share: &[0.5, 0.5],
            amount: &[],
        },
        Interrupt::never(),
    );
    assert!(matches!(short, Err(Error::InvalidArgument(_))));
}

#[test]
fn no_amounts_and_no_kinds() {
    let g = Graph::build(
        &EdgeInput {
            num_nodes: 3,
            source: &[0, 1],
            target: &[1, 2],
            kind: &[],
            share: &[0.5, 1.0],
            amount: &[],
        },
        Interrupt::never(),
    )
    .unwrap();
    assert_eq!(g.num_edges(), 2);
    assert!(g.amount(0).is_nan());
    assert_eq!(g.edge(1).kind, Kind::Equity);
}

#[test]
fn isolated_nodes_and_empty_graph() {
    let g = build(5, &[]).unwrap();
    assert_eq!(g.num_nodes(), 5);
    assert_eq!(g.num_edges(), 0);
    assert!(g.out_edges(4).is_empty());
    let g0 = build(0, &[]).unwrap();
    assert_eq!(g0.num_nodes(), 0);
}

#[test]
fn build_is_interruptible() {
    let flag = std::sync::atomic::AtomicBool::new(true);
    let r = Graph::build(
        &EdgeInput {
            num_nodes: 2,
            source: &[0],
            target: &[1],
            kind: &[],
            share: &[0.5],
            amount: &[],
        },
        Interrupt::new(&flag),
    );
    assert_eq!(r.unwrap_err(), Error::Interrupted);
}

mod reweighting {
    use super::*;

    #[test]
    fn reweighted_replaces_shares_drops_zeros_and_checks_sums() {
        let g = build(
            3,
            &[
                (0, 2, 0, 0.3, 5.0),
                (1, 2, 0, 0.0, 7.0), // an unknown stake at its minimum
                (1, 0, 2, f64::NAN, 9.0),
            ],
        )
        .unwrap();
        assert_eq!(g.num_edges(), 3);
        // Positions: 0 -> 2 (equity), then 1's edges by target: 1 -> 0 (commitment), 1 -> 2.
        assert_eq!(g.edge(1).kind, Kind::Commitment);
        let hi = [0.3, f64::NAN, 0.7];
        let upper = g.reweighted(&hi, true, true, Interrupt::never()).unwrap();
        let holders: Vec<(u32, f64)> = upper.equity_holders(2).collect();
        assert_eq!(holders, vec![(0, 0.3), (1, 0.7)]);
        let lower = g
            .reweighted(&[0.3, f64::NAN, 0.0], true, true, Interrupt::never())
            .unwrap();
        assert_eq!(lower.num_edges(), 2); // the zero stake left out; the commitment kept
        assert_eq!(lower.equity_holders(2).count(), 1);
        let kept = g
            .reweighted(&[0.3, f64::NAN, 0.0], false, true, Interrupt::never())
            .unwrap();
        assert_eq!(kept.num_edges(), 3);
        let over = g.reweighted(&[0.5, f64::NAN, 0.7], true, true, Interrupt::never());
        assert!(matches!(over, Err(Error::OverHeld { .. })));
        let unchecked = g.reweighted(&[0.5, f64::NAN, 0.7], true, false, Interrupt::never());
        assert!(unchecked.is_ok());
        let bad = g.reweighted(&[1.5, f64::NAN, 0.7], true, false, Interrupt::never());
        assert!(matches!(bad, Err(Error::InvalidArgument(_))));
        let nan = g.reweighted(&[0.3, f64::NAN, f64::NAN], true, false, Interrupt::never());
        assert!(matches!(nan, Err(Error::InvalidArgument(_))));
        // Amounts stay attached to their edges.
        let p = upper
            .out_range(1)
            .find(|&p| upper.edge(p).target == 2)
            .unwrap();
        assert_eq!(upper.amount(p), 7.0);
    }

    #[test]
    fn edge_positions_find_each_row_or_none() {
        let g = build(
            3,
            &[
                (0, 2, 0, 0.3, f64::NAN),
                (0, 1, 1, f64::NAN, 1.0),
                (0, 1, 0, 0.2, f64::NAN),
            ],
        )
        .unwrap();
        let found = g
            .edge_positions(&[0, 0, 0, 2, 7], &[1, 1, 2, 0, 0], &[0, 1, 0, 0, 0])
            .unwrap();
        assert_eq!(found, vec![Some(0), Some(1), Some(2), None, None]);
        assert!(g.edge_positions(&[0], &[1, 2], &[]).is_err());
    }
}
