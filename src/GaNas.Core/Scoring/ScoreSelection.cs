using System.Globalization;
namespace GaNas.Scoring;

/// <summary>
/// Chooses a hybrid score from proxy values with known accuracies (CIFAR-10 only, by the project's rule), among
/// <see cref="ScoreCandidates"/>: the grid, and optionally the best of it by Kendall tau again with a top term added. Ranks are taken within the rows being scored, as a search ranks its pool.
/// The objective is Kendall tau over all rows, or the elite accuracy (what a search returns) among candidates
/// with at least a minimum Kendall tau. K-fold cross-validation over a seeded shuffle reports how well
/// "choose on the other folds" does on held-out architectures; the final choice is made on all rows.
/// </summary>
public static class ScoreSelection
{
    /// <summary>Runs the selection by Kendall tau.</summary>
    /// <param name="values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
    /// <param name="accuracy">Accuracy per row (finite).</param>
    /// <param name="maxTerms">Largest number of proxies in a candidate.</param>
    /// <param name="folds">Cross-validation folds (at least 2).</param>
    /// <param name="seed">Seed of the fold shuffle.</param>
    /// <param name="top">How many of the best candidates to return.</param>
    public static SelectionResult Run(IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int maxTerms = 4, int folds = 5, int seed = 0, int top = 15)
        => Run(values, accuracy, new ScoreSelectionOptions { MaxTerms = maxTerms, Folds = folds, Seed = seed, Top = top });

    /// <summary>Runs the selection with every setting.</summary>
    /// <param name="values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
    /// <param name="accuracy">Accuracy per row (finite).</param>
    /// <param name="options">Candidate grid, objective and cross-validation.</param>
    public static SelectionResult Run(IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, ScoreSelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(accuracy);
        ArgumentNullException.ThrowIfNull(options);
        if (values.Count == 0) throw new ArgumentException("No proxy to select from.", nameof(values));
        if (!(options.EliteFraction > 0 && options.EliteFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(options), options.EliteFraction, "EliteFraction must be in (0, 1].");
        return RunJoint([new SelectionTable("rows", values, accuracy, options.EliteFraction)], options);
    }

    /// <summary>
    /// Chooses one score for several tables at once (e.g. both search spaces on CIFAR-10): by the smallest Kendall tau
    /// over the tables, or by the smallest worst elite regret (then the smallest summed regret) among candidates whose
    /// Kendall tau reaches the floor on every table. Each table is shuffled and split into folds on its own; fold f of the cross-validation holds out
    /// fold f of every table. With one table this is <see cref="Run(IReadOnlyDictionary{string, double[]}, IReadOnlyList{double}, ScoreSelectionOptions)"/>.
    /// </summary>
    /// <param name="tables">The tables; every proxy must be present in each (<see cref="ScoreSelectionOptions.EliteFraction"/> is not used: each table has its own).</param>
    /// <param name="options">Candidate grid, objective and cross-validation.</param>
    public static SelectionResult RunJoint(IReadOnlyList<SelectionTable> tables, ScoreSelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        if (tables.Count == 0) throw new ArgumentException("No table to select on.", nameof(tables));
        if (options.MaxTerms < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxTerms, "A score has at least one term (MaxTerms).");
        if (options.Folds < 2) throw new ArgumentOutOfRangeException(nameof(options), options.Folds, "Cross-validation needs at least 2 folds.");
        if (options.Top < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Top, "Top must be at least 1.");
        if (double.IsNaN(options.MinKendall)) throw new ArgumentOutOfRangeException(nameof(options), options.MinKendall, "MinKendall must not be NaN.");
        if (options.TopWeights.Count == 0 || options.TopWeights.Any(w => !(w > 0) || !double.IsFinite(w))) throw new ArgumentOutOfRangeException(nameof(options), "TopWeights must be positive and finite.");
        if (options.Bodies < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Bodies, "Bodies must be at least 1.");
        string[] proxies = tables[0].Values.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        foreach (SelectionTable table in tables)
        {
            ArgumentNullException.ThrowIfNull(table);
            if (table.Values.Count == 0) throw new ArgumentException($"Table '{table.Name}' has no proxy to select from.", nameof(tables));
            CheckRows(table, nameof(tables));
            int n = table.Accuracy.Count;
            if (!table.Values.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(proxies))
                throw new ArgumentException($"Table '{table.Name}' has proxies {string.Join(", ", table.Values.Keys)}, table '{tables[0].Name}' {string.Join(", ", proxies)}; a joint choice needs the same proxies everywhere.", nameof(tables));
            if (n < 2 * options.Folds) throw new ArgumentException($"Table '{table.Name}': {n} rows are too few for {options.Folds}-fold cross-validation.", nameof(tables));
        }
        foreach (string name in options.TopTerms)
        {
            if (!proxies.Contains(name, StringComparer.Ordinal)) throw new ArgumentException($"Top term '{name}' is not among the proxies ({string.Join(", ", proxies)}).", nameof(options));
        }

        List<HybridScore> bodies = ScoreCandidates.Grid(proxies, options.MaxTerms, options.AllWeights);
        int[][] orders = tables.Select(t =>
        {
            int[] order = Enumerable.Range(0, t.Accuracy.Count).ToArray();
            new Random(options.Seed).Shuffle(order);
            return order;
        }).ToArray();
        var foldResults = new List<SelectionFold>();
        for (int f = 0; f < options.Folds; f++)
        {
            int[][] test = orders.Select(o => o.Where((_, i) => i % options.Folds == f).ToArray()).ToArray();
            int[][] train = orders.Select(o => o.Where((_, i) => i % options.Folds != f).ToArray()).ToArray();
            var (score, best) = Choose(bodies, tables, train, options)[0];
            var held = Evaluate([score], tables, test)[0].Result;
            foldResults.Add(new SelectionFold(f, best.Score, best.Tables, held.Tables));
        }
        var ranked = Choose(bodies, tables, orders, options);
        return new SelectionResult(tables.Select(t => t.Name).ToArray(), ranked[0].Result, foldResults, ranked.Take(options.Top).Select(c => c.Result).ToArray(), ranked.Count);
    }

    /// <summary>
    /// Measures scores on a table they were not chosen on (e.g. chosen on CIFAR-10, measured on CIFAR-100): Kendall tau,
    /// top-ranked and elite-first accuracy over all its rows, ranked within them as in the selection. Nothing is chosen here,
    /// so these are validation figures.
    /// </summary>
    /// <param name="scores">The scores, e.g. the chosen one and the runners-up of a <see cref="SelectionResult"/>.</param>
    /// <param name="table">The validation table; it must hold every proxy the scores use.</param>
    public static IReadOnlyList<CandidateOnTable> Validate(IReadOnlyList<HybridScore> scores, SelectionTable table)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(table);
        CheckRows(table, nameof(table));
        int n = table.Accuracy.Count;
        if (n == 0) throw new ArgumentException($"Validation table '{table.Name}' has no rows.", nameof(table));
        foreach (string proxy in scores.SelectMany(s => s.Proxies).Distinct(StringComparer.Ordinal))
        {
            if (!table.Values.ContainsKey(proxy)) throw new ArgumentException($"Validation table '{table.Name}' has no proxy '{proxy}' (proxies: {string.Join(", ", table.Values.Keys)}).", nameof(table));
        }
        return Evaluate(scores.ToList(), table, Enumerable.Range(0, n).ToArray());
    }

    /// <summary>The checks every table gets, chosen on or validated on: the elite fraction, one value per row for each proxy, finite accuracies.</summary>
    private static void CheckRows(SelectionTable table, string paramName)
    {
        if (!(table.EliteFraction > 0 && table.EliteFraction <= 1)) throw new ArgumentOutOfRangeException(paramName, table.EliteFraction, $"Table '{table.Name}': the elite fraction must be in (0, 1].");
        int n = table.Accuracy.Count;
        foreach (var (name, column) in table.Values)
        {
            if (column.Length != n) throw new ArgumentException($"Table '{table.Name}': proxy '{name}' has {column.Length} values for {n} accuracies.", paramName);
        }
        if (table.Accuracy.Any(a => !double.IsFinite(a))) throw new ArgumentException($"Table '{table.Name}': every row needs a finite accuracy.", paramName);
    }

    /// <summary>
    /// What a search with <paramref name="score"/> returns over these rows: the accuracy of the row the score ranks
    /// first, and of the row it ranks first within its own elite (the top <paramref name="eliteFraction"/> of the rows,
    /// ranked again among themselves). Ties go to the earlier row.
    /// </summary>
    /// <param name="score">The score.</param>
    /// <param name="valueOf">Value of a proxy for row i.</param>
    /// <param name="accuracy">Accuracy per row.</param>
    /// <param name="eliteFraction">Share of the rows in the elite.</param>
    /// <param name="scores">The score's values over all rows when the caller has them already (else computed).</param>
    public static (double TopAccuracy, double EliteAccuracy) SearchOutcome(HybridScore score, Func<int, string, double> valueOf, IReadOnlyList<double> accuracy, double eliteFraction, double[]? scores = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(valueOf);
        ArgumentNullException.ThrowIfNull(accuracy);
        if (accuracy.Count == 0) throw new ArgumentException("No rows.", nameof(accuracy));
        if (!(eliteFraction > 0 && eliteFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(eliteFraction), eliteFraction, "The elite fraction must be in (0, 1].");
        if (scores is not null && scores.Length != accuracy.Count) throw new ArgumentException($"{scores.Length} scores for {accuracy.Count} rows.", nameof(scores));
        return Outcome(score, scores ?? score.Score(accuracy.Count, valueOf), valueOf, accuracy, EliteCount(accuracy.Count, eliteFraction));
    }

    /// <summary>Top-ranked and elite-first accuracy from the score's values over all rows (see <see cref="SearchOutcome"/>).</summary>
    private static (double TopAccuracy, double EliteAccuracy) Outcome(HybridScore score, double[] total, Func<int, string, double> valueOf, IReadOnlyList<double> accuracy, int eliteCount)
    {
        int[] order = BestFirst(total);
        // The elite, ranked again among themselves, as a search's converged history is.
        int[] elite = order[..eliteCount];
        int first = elite[BestFirst(score.Score(elite.Length, (i, p) => valueOf(elite[i], p)))[0]];
        return (accuracy[order[0]], accuracy[first]);
    }

    /// <summary>How many rows the elite of <paramref name="rows"/> rows holds (at least one).</summary>
    public static int EliteCount(int rows, double fraction) => Math.Max(1, (int)Math.Round(rows * fraction, MidpointRounding.AwayFromZero));

    /// <summary>
    /// The candidates on <paramref name="rows"/> (per table), best first: the bodies, plus (when top terms are given)
    /// the <see cref="ScoreSelectionOptions.Bodies"/> best bodies by (worst) Kendall tau with each top term and weight added.
    /// </summary>
    private static List<(HybridScore Score, CandidateResult Result)> Choose(List<HybridScore> bodies, IReadOnlyList<SelectionTable> tables, int[][] rows, ScoreSelectionOptions options)
    {
        var scored = Evaluate(bodies, tables, rows);
        if (options.TopTerms.Count > 0)
        {
            var best = scored.OrderByDescending(c => c.Result.WorstKendall).Take(options.Bodies).Select(c => c.Score);
            scored.AddRange(Evaluate(ScoreCandidates.WithTopTerms(best, options.TopTerms, options.TopWeights), tables, rows));
        }
        // With one table the worst regret orders as the elite accuracy and the worst Kendall tau is the Kendall tau.
        var sorted = options.Objective == SelectionObjective.Kendall
            ? scored.OrderByDescending(s => s.Result.WorstKendall)
            : scored.OrderByDescending(s => s.Result.WorstKendall >= options.MinKendall).ThenBy(s => s.Result.WorstEliteRegret).ThenBy(s => s.Result.TotalEliteRegret).ThenByDescending(s => s.Result.WorstKendall);
        var ranked = sorted.ThenBy(s => s.Score.Terms.Count).ThenBy(s => s.Score.Name, StringComparer.Ordinal).ToList();
        if (options.Objective == SelectionObjective.Elite && double.IsFinite(options.MinKendall) && ranked.Count > 0 && !(ranked[0].Result.WorstKendall >= options.MinKendall))
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"No candidate reaches the Kendall tau floor of {options.MinKendall:0.###}; the highest is {scored.Max(s => s.Result.WorstKendall):0.###}. Lower --min-kendall or add candidates."));
        return ranked;
    }

    /// <summary>Scores candidates on <paramref name="rows"/> of every table (unsorted).</summary>
    private static List<(HybridScore Score, CandidateResult Result)> Evaluate(List<HybridScore> candidates, IReadOnlyList<SelectionTable> tables, int[][] rows)
    {
        var perTable = new CandidateOnTable[tables.Count][];
        var best = new double[tables.Count];
        for (int t = 0; t < tables.Count; t++)
        {
            perTable[t] = Evaluate(candidates, tables[t], rows[t]);
            best[t] = rows[t].Max(r => tables[t].Accuracy[r]);
        }
        return candidates.Select((score, c) => (score, new CandidateResult(score.Name, perTable.Select(p => p[c]).ToArray(), best))).ToList();
    }

    /// <summary>Scores candidates on <paramref name="rows"/> of one table.</summary>
    private static CandidateOnTable[] Evaluate(List<HybridScore> candidates, SelectionTable table, int[] rows)
    {
        // Ranks of each proxy within these rows, computed once.
        var ranks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (name, column) in table.Values) ranks[name] = Ranking.AverageRanks(rows.Select(r => column[r]).ToArray());
        double[] truth = rows.Select(r => table.Accuracy[r]).ToArray();
        int n = rows.Length;
        int eliteCount = EliteCount(n, table.EliteFraction);
        var scored = new CandidateOnTable[candidates.Count];
        Parallel.For(0, candidates.Count, c =>
        {
            HybridScore score = candidates[c];
            double[] total = score.RankSum(proxy => ranks[proxy], n);
            var (top, elite) = Outcome(score, total, (i, proxy) => table.Values[proxy][rows[i]], truth, eliteCount);
            scored[c] = new CandidateOnTable(score.Name, Correlation.KendallTauB(total, truth), top, elite) { Rows = n };
        });
        return scored;
    }

    /// <summary>Indices by descending score; among equal scores the earlier first, as a search keeps its first-seen incumbent.</summary>
    private static int[] BestFirst(double[] score)
    {
        int[] order = Enumerable.Range(0, score.Length).ToArray();
        Array.Sort(order, (x, y) => score[y] != score[x] ? score[y].CompareTo(score[x]) : x.CompareTo(y));
        return order;
    }
}
