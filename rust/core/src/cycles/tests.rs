use super::*;
use crate::error::Error;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::{Kind, KindMask};

use crate::graph::testing::{CM, CR, EQ, NAN};

/// Edges as (source, target, kind, share, amount).
fn build(n: usize, edges: &[(u32, u32, u8, f64, f64)]) -> Graph {
    crate::graph::testing::build(n, edges).expect("valid test graph")
}

fn cycles(g: &Graph, opts: &CycleOptions) -> CycleSet {
    simple_cycles(g, opts, Interrupt::never()).unwrap()
}

fn all(g: &Graph) -> Vec<Cycle> {
    cycles(g, &CycleOptions::default()).cycles
}

/// The position of edge u → v of `kind`.
fn at(g: &Graph, u: u32, v: u32, kind: u8) -> usize {
    g.out_range(u)
        .find(|&p| g.edge(p).target == v && g.edge(p).kind as u8 == kind)
        .unwrap()
}

fn node_lists(cs: &[Cycle]) -> Vec<Vec<u32>> {
    cs.iter().map(|c| c.nodes.clone()).collect()
}

#[test]
fn a_three_cycle() {
    let g = build(
        4,
        &[
            (1, 2, CR, NAN, 3.0),
            (2, 0, CM, NAN, 7.0),
            (0, 1, CR, NAN, 5.0),
            (2, 3, CR, NAN, 1.0),
        ],
    );
    let cs = all(&g);
    assert_eq!(
        cs,
        vec![Cycle {
            nodes: vec![0, 1, 2],
            edges: vec![at(&g, 0, 1, CR), at(&g, 1, 2, CR), at(&g, 2, 0, CM)],
            weight: None,
            bottleneck: Some(3.0),
        }]
    );
}

#[test]
fn two_cycles_sharing_a_node() {
    // 0 ⇄ 1 ⇄ 2: the cycles meet at 1; there is no 3-cycle.
    let g = build(
        3,
        &[
            (0, 1, CR, NAN, 1.0),
            (1, 0, CR, NAN, 1.0),
            (1, 2, CR, NAN, 1.0),
            (2, 1, CR, NAN, 1.0),
        ],
    );
    assert_eq!(node_lists(&all(&g)), vec![vec![0, 1], vec![1, 2]]);
}

#[test]
fn a_self_loop_on_a_commitment_edge() {
    let g = build(3, &[(0, 1, CR, NAN, 1.0), (2, 2, CM, NAN, 9.0)]);
    let cs = all(&g);
    assert_eq!(
        cs,
        vec![Cycle {
            nodes: vec![2],
            edges: vec![at(&g, 2, 2, CM)],
            weight: None,
            bottleneck: Some(9.0),
        }]
    );
    // A treasury share (equity self-loop) has a weight.
    let g = build(1, &[(0, 0, EQ, 0.1, NAN)]);
    assert_eq!(all(&g)[0].weight, Some(0.1));
    assert_eq!(all(&g)[0].bottleneck, None);
}

#[test]
fn parallel_edges_of_two_kinds_are_two_cycles() {
    let g = build(
        2,
        &[
            (0, 1, CR, NAN, 4.0),
            (0, 1, EQ, 0.5, 10.0),
            (1, 0, EQ, 0.4, 6.0),
        ],
    );
    let back = at(&g, 1, 0, EQ);
    assert_eq!(
        all(&g),
        vec![
            Cycle {
                nodes: vec![0, 1],
                edges: vec![at(&g, 0, 1, EQ), back],
                weight: Some(0.5 * 0.4),
                bottleneck: Some(6.0),
            },
            Cycle {
                nodes: vec![0, 1],
                edges: vec![at(&g, 0, 1, CR), back],
                weight: None,
                bottleneck: Some(4.0),
            },
        ]
    );
}

#[test]
fn weight_is_the_product_and_bottleneck_the_smallest_known_amount() {
    let g = build(
        5,
        &[
            (0, 1, EQ, 0.5, 8.0),
            (1, 2, EQ, 0.25, 2.0),
            (2, 0, EQ, 0.8, 5.0),
            (3, 4, EQ, 0.5, 1.0),
            (4, 3, CR, NAN, NAN),
        ],
    );
    let cs = all(&g);
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].weight, Some(0.5 * 0.25 * 0.8));
    assert_eq!(cs[0].bottleneck, Some(2.0));
    assert_eq!(cs[1].nodes, vec![3, 4]);
    assert_eq!(cs[1].weight, None);
    assert_eq!(cs[1].bottleneck, None);
}

/// A 2-, a 3- and a 4-cycle through node 0, and a self-loop.
fn nested() -> Graph {
    build(
        5,
        &[
            (0, 1, CR, NAN, 1.0),
            (1, 0, CR, NAN, 1.0),
            (1, 2, CR, NAN, 1.0),
            (2, 0, CR, NAN, 1.0),
            (2, 3, CR, NAN, 1.0),
            (3, 0, CR, NAN, 1.0),
            (4, 4, CR, NAN, 1.0),
        ],
    )
}

#[test]
fn max_length_filters() {
    let g = nested();
    let with = |max_length| {
        let opts = CycleOptions {
            max_length,
            ..CycleOptions::default()
        };
        node_lists(&cycles(&g, &opts).cycles)
    };
    let full = vec![vec![0, 1], vec![0, 1, 2], vec![0, 1, 2, 3], vec![4]];
    assert_eq!(with(None), full);
    assert_eq!(with(Some(4)), full);
    assert_eq!(
        with(Some(3)),
        full[..2]
            .iter()
            .chain(&full[3..])
            .cloned()
            .collect::<Vec<_>>()
    );
    assert_eq!(with(Some(2)), vec![vec![0, 1], vec![4]]);
    assert_eq!(with(Some(1)), vec![vec![4]]);
}

#[test]
fn min_weight_and_min_amount_prune() {
    let g = build(
        6,
        &[
            (0, 1, EQ, 0.5, 100.0),
            (1, 0, EQ, 0.5, 100.0),
            (2, 3, EQ, 0.9, 5.0),
            (3, 2, EQ, 0.9, NAN),
            (4, 5, CR, NAN, 50.0),
            (5, 4, CM, NAN, 20.0),
        ],
    );
    let run = |min_weight, min_amount| {
        let opts = CycleOptions {
            min_weight,
            min_amount,
            ..CycleOptions::default()
        };
        node_lists(&cycles(&g, &opts).cycles)
    };
    assert_eq!(run(None, None), vec![vec![0, 1], vec![2, 3], vec![4, 5]]);
    // Only all-equity cycles have a weight.
    assert_eq!(run(Some(0.0), None), vec![vec![0, 1], vec![2, 3]]);
    assert_eq!(run(Some(0.3), None), vec![vec![2, 3]]);
    assert_eq!(run(Some(0.25), None), vec![vec![0, 1], vec![2, 3]]);
    assert_eq!(run(Some(0.9), None), Vec::<Vec<u32>>::new());
    // An unknown amount fails any minimum.
    assert_eq!(run(None, Some(0.0)), vec![vec![0, 1], vec![4, 5]]);
    assert_eq!(run(None, Some(20.0)), vec![vec![0, 1], vec![4, 5]]);
    assert_eq!(run(None, Some(21.0)), vec![vec![0, 1]]);
    assert_eq!(run(Some(0.1), Some(21.0)), vec![vec![0, 1]]);
}

#[test]
fn kinds_select_the_edges_followed() {
    let g = build(
        3,
        &[
            (0, 1, EQ, 0.5, NAN),
            (1, 0, CM, NAN, 1.0),
            (2, 2, CR, NAN, 1.0),
        ],
    );
    let run = |kinds| {
        let opts = CycleOptions {
            kinds,
            ..CycleOptions::default()
        };
        node_lists(&cycles(&g, &opts).cycles)
    };
    assert_eq!(run(KindMask::ALL), vec![vec![0, 1], vec![2]]);
    assert_eq!(run(KindMask::EQUITY), Vec::<Vec<u32>>::new());
    assert_eq!(
        run(KindMask::of(&[Kind::Equity, Kind::Commitment])),
        vec![vec![0, 1]]
    );
}

/// Credit edges between every ordered pair of `n` nodes.
fn complete(n: u32) -> Graph {
    let edges: Vec<_> = (0..n)
        .flat_map(|u| {
            (0..n)
                .filter(move |&v| v != u)
                .map(move |v| (u, v, CR, NAN, 1.0))
        })
        .collect();
    build(n as usize, &edges)
}

#[test]
fn limit_returns_the_first_cycles_and_flags_truncation() {
    let g = complete(5);
    let full = all(&g);
    // Σ_k C(5, k) (k - 1)! for k = 2..5.
    assert_eq!(full.len(), 84);
    for (limit, truncated) in [
        (1, true),
        (10, true),
        (83, true),
        (84, false),
        (1000, false),
    ] {
        let opts = CycleOptions {
            limit,
            ..CycleOptions::default()
        };
        let got = cycles(&g, &opts);
        assert_eq!(got.truncated, truncated, "limit {limit}");
        assert_eq!(got.cycles, full[..limit.min(84)], "limit {limit}");
    }
}

/// How many of `cycles`, from the first, hold at most `max_nodes` nodes in all.
fn within(cycles: &[Cycle], max_nodes: usize) -> usize {
    let mut held = 0usize;
    cycles
        .iter()
        .take_while(|c| {
            held = held.saturating_add(c.nodes.len());
            held <= max_nodes
        })
        .count()
}

#[test]
fn max_nodes_bounds_the_nodes_held_and_flags_it() {
    let g = complete(6);
    let full = all(&g);
    let total: usize = full.iter().map(|c| c.nodes.len()).sum();
    for max_nodes in [1, 2, 3, 17, 100, total - 1, total, usize::MAX] {
        for max_length in [None, Some(4)] {
            let opts = CycleOptions {
                max_nodes,
                max_length,
                ..CycleOptions::default()
            };
            let want: Vec<Cycle> = full
                .iter()
                .filter(|c| max_length.is_none_or(|l| c.nodes.len() <= l))
                .cloned()
                .collect();
            let keep = within(&want, max_nodes);
            let got = cycles(&g, &opts);
            assert_eq!(got.cycles, want[..keep], "max_nodes {max_nodes}");
            assert_eq!(got.truncated, keep < want.len(), "max_nodes {max_nodes}");
            assert_eq!(got.over_budget, got.truncated, "max_nodes {max_nodes}");
            let held: usize = got.cycles.iter().map(|c| c.nodes.len()).sum();
            assert!(held <= max_nodes);
        }
    }
    // The limit cuts first: it is the one reported.
    let opts = CycleOptions {
        limit: 2,
        max_nodes: 100,
        ..CycleOptions::default()
    };
    let got = cycles(&g, &opts);
    assert!(got.truncated && !got.over_budget && got.cycles.len() == 2);
}

#[test]
fn acyclic_and_empty_graphs_have_no_cycles() {
    let dag = build(
        4,
        &[
            (0, 1, CR, NAN, 1.0),
            (0, 2, EQ, 0.5, 1.0),
            (1, 3, CM, NAN, 1.0),
            (2, 3, CR, NAN, 1.0),
        ],
    );
    let none = CycleSet {
        cycles: vec![],
        truncated: false,
        over_budget: false,
    };
    assert_eq!(cycles(&dag, &CycleOptions::default()), none);
    assert_eq!(cycles(&build(0, &[]), &CycleOptions::default()), none);
    assert_eq!(cycles(&build(3, &[]), &CycleOptions::default()), none);
}

#[test]
fn a_cycle_of_100k_nodes_needs_no_recursion() {
    let n = 100_000u32;
    let edges: Vec<_> = (0..n)
        .map(|i| (i, (i + 1) % n, CM, NAN, (n - i) as f64))
        .collect();
    let g = build(n as usize, &edges);
    let start = std::time::Instant::now();
    let cs = all(&g);
    let elapsed = start.elapsed();
    assert_eq!(cs.len(), 1);
    assert_eq!(cs[0].nodes, (0..n).collect::<Vec<_>>());
    assert_eq!(cs[0].edges, (0..n as usize).collect::<Vec<_>>());
    assert_eq!(cs[0].bottleneck, Some(1.0));
    let opts = CycleOptions {
        max_length: Some(99_999),
        ..CycleOptions::default()
    };
    assert!(cycles(&g, &opts).cycles.is_empty());
    eprintln!("100k-node cycle: {elapsed:?}");
}

#[test]
fn bad_options_are_invalid_arguments() {
    let g = complete(3);
    let bad = [
        CycleOptions {
            limit: 0,
            ..CycleOptions::default()
        },
        CycleOptions {
            max_length: Some(0),
            ..CycleOptions::default()
        },
        CycleOptions {
            max_nodes: 0,
            ..CycleOptions::default()
        },
        CycleOptions {
            min_weight: Some(f64::NAN),
            ..CycleOptions::default()
        },
        CycleOptions {
            min_weight: Some(-0.5),
            ..CycleOptions::default()
        },
        CycleOptions {
            min_amount: Some(f64::INFINITY),
            ..CycleOptions::default()
        },
    ];
    for opts in bad {
        let r = simple_cycles(&g, &opts, Interrupt::never());
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{opts:?}");
    }
}

#[test]
fn a_raised_flag_interrupts() {
    let flag = std::sync::atomic::AtomicBool::new(true);
    let r = simple_cycles(
        &complete(4),
        &CycleOptions::default(),
        Interrupt::new(&flag),
    );
    assert_eq!(r, Err(Error::Interrupted));
}

/// SplitMix64: a tiny deterministic generator for the randomized tests.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, k: usize) -> usize {
        (self.next() % k as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Each (u, v, kind) of `kinds` present with probability `density`; equity shares into a
/// node sum below 1; a fifth of the amounts unknown.
fn random_graph(rng: &mut Prng, n: u32, density: f64, kinds: &[u8]) -> Graph {
    let mut edges = Vec::new();
    for u in 0..n {
        for v in 0..n {
            for &kind in kinds {
                let p = if u == v { density / 4.0 } else { density };
                if rng.unit() < p {
                    let amount = if rng.below(5) == 0 {
                        NAN
                    } else {
                        (1 + rng.below(100)) as f64
                    };
                    edges.push((u, v, kind, NAN, amount));
                }
            }
        }
    }
    let mut held = vec![0usize; n as usize];
    for e in edges.iter().filter(|e| e.2 == EQ) {
        held[e.1 as usize] += 1;
    }
    for e in edges.iter_mut().filter(|e| e.2 == EQ) {
        e.3 = (0.3 + 0.7 * rng.unit()) / held[e.1 as usize] as f64;
    }
    build(n as usize, &edges)
}

fn random_options(rng: &mut Prng) -> CycleOptions {
    let kinds = [
        KindMask::ALL,
        KindMask::ALL,
        KindMask::EQUITY,
        KindMask::of(&[Kind::Credit, Kind::Commitment]),
        KindMask::of(&[Kind::Equity, Kind::Commitment]),
    ];
    CycleOptions {
        max_length: rng.pick(&[None, None, Some(1), Some(2), Some(3), Some(4), Some(5)]),
        min_weight: rng.pick(&[
            None,
            None,
            None,
            Some(0.0),
            Some(0.01),
            Some(0.05),
            Some(0.2),
        ]),
        min_amount: rng.pick(&[None, None, None, Some(0.0), Some(10.0), Some(40.0)]),
        kinds: rng.pick(&kinds),
        limit: rng.pick(&[usize::MAX, usize::MAX, 1, 3, 10]),
        max_nodes: rng.pick(&[usize::MAX, usize::MAX, usize::MAX, 1, 4, 12, 40]),
    }
}

/// Every sequence of distinct nodes starting at its smallest, every choice of edges, then
/// the options checked on the finished cycle.
fn brute_force(g: &Graph, opts: &CycleOptions) -> Vec<Cycle> {
    fn extend(
        g: &Graph,
        opts: &CycleOptions,
        path: &mut Vec<u32>,
        edges: &mut Vec<usize>,
        out: &mut Vec<Cycle>,
    ) {
        let (s, u) = (path[0], *path.last().unwrap());
        for p in g.out_range(u) {
            let w = g.edge(p).target;
            edges.push(p);
            if w == s {
                out.extend(accept(g, opts, path, edges));
            } else if w > s && !path.contains(&w) {
                path.push(w);
                extend(g, opts, path, edges, out);
                path.pop();
            }
            edges.pop();
        }
    }
    fn accept(g: &Graph, opts: &CycleOptions, path: &[u32], edges: &[usize]) -> Option<Cycle> {
        let kinds: Vec<Kind> = edges.iter().map(|&p| g.edge(p).kind).collect();
        let amounts: Vec<f64> = edges.iter().map(|&p| g.amount(p)).collect();
        let equity = kinds.iter().all(|&k| k == Kind::Equity);
        let weight = equity.then(|| edges.iter().fold(1.0, |w, &p| w * g.edge(p).share));
        let ok = path.len() <= opts.max_length.unwrap_or(usize::MAX)
            && kinds.iter().all(|&k| opts.kinds.contains(k))
            && opts
                .min_weight
                .is_none_or(|mw| weight.is_some_and(|w| w >= mw))
            && opts
                .min_amount
                .is_none_or(|ma| amounts.iter().all(|&a| a >= ma));
        let known = amounts.iter().all(|a| !a.is_nan());
        ok.then(|| Cycle {
            nodes: path.to_vec(),
            edges: edges.to_vec(),
            weight,
            bottleneck: known.then(|| amounts.iter().copied().fold(f64::INFINITY, f64::min)),
        })
    }
    let mut out = Vec::new();
    for s in 0..g.num_nodes() as u32 {
        extend(g, opts, &mut vec![s], &mut Vec::new(), &mut out);
    }
    out.sort_by(|a, b| a.edges.cmp(&b.edges));
    out
}

#[test]
fn matches_brute_force_on_random_small_graphs() {
    let mut rng = Prng(7);
    // Rounds with several cycles, under a length bound, under a weight bound.
    let (mut many, mut bounded, mut weighted) = (0, 0, 0);
    for round in 0..10_000 {
        let n = 2 + rng.below(6) as u32;
        let density = rng.pick(&[0.08, 0.15, 0.25, 0.4]);
        // Equity-only graphs so that `min_weight` often has cycles to cut.
        let kinds = rng.pick(&[&[EQ, CR, CM][..], &[EQ, CR, CM], &[EQ], &[EQ, CM]]);
        let g = random_graph(&mut rng, n, density, kinds);
        let opts = random_options(&mut rng);
        let want = brute_force(
            &g,
            &CycleOptions {
                limit: usize::MAX,
                max_nodes: usize::MAX,
                ..opts
            },
        );
        let got = cycles(&g, &opts);
        let keep = within(&want, opts.max_nodes).min(opts.limit);
        assert_eq!(got.truncated, want.len() > keep, "round {round}: {opts:?}");
        assert_eq!(
            got.over_budget,
            keep < want.len().min(opts.limit),
            "round {round}: {opts:?}"
        );
        assert_eq!(got.cycles, want[..keep], "round {round}: {opts:?}");
        if want.len() >= 5 {
            many += 1;
            bounded += usize::from(opts.max_length.is_some());
        }
        if opts.min_weight.is_some_and(|w| w > 0.0) && !want.is_empty() {
            // The weight bound cut some cycles but not all.
            let looser = CycleOptions {
                min_weight: Some(0.0),
                limit: usize::MAX,
                max_nodes: usize::MAX,
                ..opts
            };
            weighted += usize::from(brute_force(&g, &looser).len() > want.len());
        }
    }
    eprintln!("{many} rounds with >= 5 cycles, {bounded} bounded, {weighted} weighted");
    assert!(many > 500 && bounded > 300 && weighted > 150);
}

#[test]
fn weight_pruning_matches_brute_force_at_the_boundary() {
    // Equity-only graphs dense in cycles; the bound is the weight of one of the cycles, so
    // the cycles exactly at the bound must be kept and the ones just below cut.
    let mut rng = Prng(13);
    let mut cut = 0;
    for round in 0..3000 {
        let n = 4 + rng.below(4) as u32;
        let density = rng.pick(&[0.25, 0.4, 0.6]);
        let g = random_graph(&mut rng, n, density, &[EQ]);
        let every = brute_force(
            &g,
            &CycleOptions {
                min_weight: Some(0.0),
                ..CycleOptions::default()
            },
        );
        if every.is_empty() {
            continue;
        }
        let bound = every[rng.below(every.len())].weight;
        let opts = CycleOptions {
            min_weight: bound,
            max_length: rng.pick(&[None, None, Some(2), Some(3), Some(4)]),
            ..CycleOptions::default()
        };
        let want = brute_force(&g, &opts);
        assert_eq!(cycles(&g, &opts).cycles, want, "round {round}: {opts:?}");
        cut += usize::from(want.len() < every.len());
    }
    assert!(cut > 1500, "only {cut} rounds cut cycles");
}

#[test]
fn same_output_for_any_thread_count() {
    let mut rng = Prng(11);
    let g = random_graph(&mut rng, 300, 0.004, &[EQ, CR, CM]);
    let in_pool = |threads: usize, opts: &CycleOptions| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| cycles(&g, opts))
    };
    let base = CycleOptions::default();
    for opts in [
        CycleOptions {
            max_length: Some(6),
            ..base
        },
        CycleOptions {
            max_length: Some(12),
            limit: 5000,
            ..base
        },
        CycleOptions {
            limit: 3000,
            ..base
        },
        CycleOptions {
            min_weight: Some(0.0),
            ..base
        },
        CycleOptions {
            min_amount: Some(30.0),
            limit: 2000,
            ..base
        },
        CycleOptions {
            max_nodes: 20_000,
            ..base
        },
    ] {
        let one = in_pool(1, &opts);
        let three = in_pool(3, &opts);
        assert!(!one.cycles.is_empty(), "{opts:?}");
        assert!(one.cycles.windows(2).all(|w| w[0].edges < w[1].edges));
        assert_eq!(one, three, "{opts:?}");
    }
}
