using System.Globalization;
namespace GaNas.Scoring;

/// <summary>One candidate score's result in <see cref="ScoreSelection"/>.</summary>
/// <param name="Score">The score (text form as <see cref="HybridScore.Parse(string)"/> reads it).</param>
/// <param name="Kendall">Kendall tau-b against the accuracy over all rows.</param>
/// <param name="TopAccuracy">Accuracy of the row the score ranks first over all rows.</param>
/// <param name="EliteAccuracy">
/// Accuracy of the row the score ranks first within its own elite (its top <see cref="ScoreSelectionOptions.EliteFraction"/>
/// of the rows, ranked again among themselves): what a search returns once its history has converged on the elite,
/// because a hybrid score ranks within the pool it is given and an elite pool ranks differently from the whole space.
/// </param>
public sealed record ScoreCandidate(string Score, double Kendall, double TopAccuracy, double EliteAccuracy)
{
    /// <summary>How many rows the candidate was measured on.</summary>
    public int Rows { get; init; }
}

/// <summary>One cross-validation fold: the score chosen on the other folds and how it does on this one.</summary>
/// <param name="Fold">Fold number.</param>
/// <param name="TrainRows">Rows the choice was made on.</param>
/// <param name="TestRows">Held-out rows.</param>
/// <param name="Chosen">The score chosen on the training rows.</param>
/// <param name="TrainKendall">Its Kendall tau on the training rows.</param>
/// <param name="TestKendall">Its Kendall tau on the held-out rows.</param>
/// <param name="TrainEliteAccuracy">Its elite accuracy on the training rows.</param>
/// <param name="TestEliteAccuracy">Its elite accuracy on the held-out rows (elite = the same fraction of them).</param>
public sealed record ScoreFold(int Fold, int TrainRows, int TestRows, string Chosen, double TrainKendall, double TestKendall, double TrainEliteAccuracy, double TestEliteAccuracy);

/// <summary>One proxy table with ground truth for <see cref="ScoreSelection.RunJoint"/> (e.g. one search space on CIFAR-10).</summary>
/// <param name="Name">Label in reports (e.g. "tss").</param>
/// <param name="Values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
/// <param name="Accuracy">Accuracy per row (finite).</param>
/// <param name="EliteFraction">Share of the rows in a candidate's elite on this table (1,000 evaluations over the space's size).</param>
public sealed record SelectionTable(string Name, IReadOnlyDictionary<string, double[]> Values, IReadOnlyList<double> Accuracy, double EliteFraction);

/// <summary>One candidate score's results on every table of a joint selection.</summary>
/// <param name="Score">The score.</param>
/// <param name="Tables">Its result per table, in table order.</param>
/// <param name="BestAccuracy">Per table, the best accuracy among the rows (the regret's reference).</param>
public sealed record JointScoreCandidate(string Score, IReadOnlyList<ScoreCandidate> Tables, IReadOnlyList<double> BestAccuracy)
{
    /// <summary>The smallest Kendall tau over the tables.</summary>
    public double WorstKendall => Tables.Min(t => t.Kendall);

    /// <summary>The largest elite regret over the tables: best accuracy of the rows minus the elite's first architecture's.</summary>
    public double WorstEliteRegret => Tables.Select((t, i) => BestAccuracy[i] - t.EliteAccuracy).Max();

    /// <summary>The elite regrets summed over the tables (the tie-break after the worst one).</summary>
    public double TotalEliteRegret => Tables.Select((t, i) => BestAccuracy[i] - t.EliteAccuracy).Sum();
}

/// <summary>One cross-validation fold of a joint selection.</summary>
/// <param name="Fold">Fold number.</param>
/// <param name="Chosen">The score chosen on the other folds of every table.</param>
/// <param name="Train">Its results on the training rows, per table.</param>
/// <param name="Test">Its results on the held-out rows, per table.</param>
public sealed record JointScoreFold(int Fold, string Chosen, IReadOnlyList<ScoreCandidate> Train, IReadOnlyList<ScoreCandidate> Test);

/// <summary>The outcome of <see cref="ScoreSelection.RunJoint"/>.</summary>
/// <param name="Tables">Table names, in order.</param>
/// <param name="Chosen">The best candidate over all rows of every table.</param>
/// <param name="Folds">Cross-validation folds.</param>
/// <param name="Top">The best candidates, best first.</param>
/// <param name="Candidates">How many candidates were compared.</param>
public sealed record JointSelectionResult(IReadOnlyList<string> Tables, JointScoreCandidate Chosen, IReadOnlyList<JointScoreFold> Folds, IReadOnlyList<JointScoreCandidate> Top, int Candidates)
{
    /// <summary>Mean held-out Kendall tau of the per-fold choices on table <paramref name="table"/>.</summary>
    public double CrossValidatedKendall(int table) => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.Test[table].Kendall);

    /// <summary>Mean held-out elite accuracy of the per-fold choices on table <paramref name="table"/>.</summary>
    public double CrossValidatedEliteAccuracy(int table) => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.Test[table].EliteAccuracy);
}

/// <summary>What <see cref="ScoreSelection"/> maximises.</summary>
public enum SelectionObjective
{
    /// <summary>Kendall tau-b against accuracy over all rows: the whole ranking (over several tables, the smallest).</summary>
    Kendall,

    /// <summary>
    /// <see cref="ScoreCandidate.EliteAccuracy"/>: the architecture a search returns. Candidates whose Kendall tau is
    /// below <see cref="ScoreSelectionOptions.MinKendall"/> are not eligible; ties are broken by Kendall tau. Over
    /// several tables: the smallest worst elite regret (best accuracy minus the elite's first), then the smallest summed
    /// regret, among candidates whose Kendall tau reaches the floor on every table.
    /// </summary>
    Elite,
}

/// <summary>Settings of <see cref="ScoreSelection.Run(IReadOnlyDictionary{string, double[]}, IReadOnlyList{double}, ScoreSelectionOptions)"/>.</summary>
public sealed record ScoreSelectionOptions
{
    /// <summary>Largest number of proxies in a candidate (top terms not counted).</summary>
    public int MaxTerms { get; init; } = 4;

    /// <summary>Cross-validation folds (at least 2).</summary>
    public int Folds { get; init; } = 5;

    /// <summary>Seed of the fold shuffle.</summary>
    public int Seed { get; init; }

    /// <summary>How many of the best candidates to return.</summary>
    public int Top { get; init; } = 15;

    /// <summary>What is maximised.</summary>
    public SelectionObjective Objective { get; init; } = SelectionObjective.Kendall;

    /// <summary>
    /// Share of the rows in a candidate's elite (at least one row). 0.064 = 1,000 of TSS's 15,625 architectures:
    /// a 1,000-evaluation search's history.
    /// </summary>
    public double EliteFraction { get; init; } = 0.064;

    /// <summary>With <see cref="SelectionObjective.Elite"/>: the smallest Kendall tau a candidate may have on the rows it is chosen on.</summary>
    public double MinKendall { get; init; } = double.NegativeInfinity;

    /// <summary>
    /// Weights a candidate's terms may take: false = all 1 or exactly one term 2; true = every assignment of 1
    /// and 2 except all 2 (the same order as all 1).
    /// </summary>
    public bool AllWeights { get; init; }

    /// <summary>Proxies that may be added as a top term (<see cref="ScoreTerm.Top"/>) to the best bodies; empty = none.</summary>
    public IReadOnlyList<string> TopTerms { get; init; } = [];

    /// <summary>Weights a top term may take.</summary>
    public IReadOnlyList<double> TopWeights { get; init; } = [0.25, 0.5, 1, 2];

    /// <summary>How many candidates, best by Kendall tau on the rows chosen on, get each top term added.</summary>
    public int Bodies { get; init; } = 40;
}

/// <summary>The outcome of <see cref="ScoreSelection.Run(IReadOnlyDictionary{string, double[]}, IReadOnlyList{double}, ScoreSelectionOptions)"/>.</summary>
/// <param name="Chosen">The best candidate over all rows by the objective.</param>
/// <param name="Folds">Cross-validation: per fold, the candidate chosen without that fold and how it does on it.</param>
/// <param name="Top">The best candidates over all rows, best first.</param>
/// <param name="Candidates">How many candidates were compared on all rows.</param>
public sealed record ScoreSelectionResult(ScoreCandidate Chosen, IReadOnlyList<ScoreFold> Folds, IReadOnlyList<ScoreCandidate> Top, int Candidates)
{
    /// <summary>Mean held-out Kendall tau of the per-fold choices: what the selection procedure is worth on unseen architectures.</summary>
    public double CrossValidatedKendall => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.TestKendall);

    /// <summary>Mean held-out elite accuracy of the per-fold choices.</summary>
    public double CrossValidatedEliteAccuracy => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.TestEliteAccuracy);
}

/// <summary>
/// Chooses a hybrid score from proxy values with known accuracies (CIFAR-10 only, by the project's rule).
/// Candidates: every set of up to <c>MaxTerms</c> proxies, each with linear and log-rank aggregation, with
/// equal weights and one term weighted 2 (or every 1/2 weighting); optionally the best of them by Kendall tau
/// again with a top term added. Ranks are taken within the rows being scored, as a search ranks its pool.
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
    public static ScoreSelectionResult Run(IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int maxTerms = 4, int folds = 5, int seed = 0, int top = 15)
        => Run(values, accuracy, new ScoreSelectionOptions { MaxTerms = maxTerms, Folds = folds, Seed = seed, Top = top });

    /// <summary>Runs the selection with every setting.</summary>
    /// <param name="values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
    /// <param name="accuracy">Accuracy per row (finite).</param>
    /// <param name="options">Candidate grid, objective and cross-validation.</param>
    public static ScoreSelectionResult Run(IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, ScoreSelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(accuracy);
        ArgumentNullException.ThrowIfNull(options);
        if (values.Count == 0) throw new ArgumentException("No proxy to select from.", nameof(values));
        if (!(options.EliteFraction > 0 && options.EliteFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(options), options.EliteFraction, "EliteFraction must be in (0, 1].");
        var joint = RunJoint([new SelectionTable("rows", values, accuracy, options.EliteFraction)], options);
        return new ScoreSelectionResult(
            joint.Chosen.Tables[0],
            joint.Folds.Select(f => new ScoreFold(f.Fold, f.Train[0].Rows, f.Test[0].Rows, f.Chosen, f.Train[0].Kendall, f.Test[0].Kendall, f.Train[0].EliteAccuracy, f.Test[0].EliteAccuracy)).ToArray(),
            joint.Top.Select(c => c.Tables[0]).ToArray(),
            joint.Candidates);
    }

    /// <summary>
    /// Chooses one score for several tables at once (e.g. both search spaces on CIFAR-10): by the smallest Kendall tau
    /// over the tables, or by the smallest worst elite regret (then the smallest summed regret) among candidates whose
    /// Kendall tau reaches the floor on every table. Each table is shuffled and split into folds on its own; fold f of the cross-validation holds out
    /// fold f of every table. With one table this is <see cref="Run(IReadOnlyDictionary{string, double[]}, IReadOnlyList{double}, ScoreSelectionOptions)"/>.
    /// </summary>
    /// <param name="tables">The tables; every proxy must be present in each (<see cref="ScoreSelectionOptions.EliteFraction"/> is not used: each table has its own).</param>
    /// <param name="options">Candidate grid, objective and cross-validation.</param>
    public static JointSelectionResult RunJoint(IReadOnlyList<SelectionTable> tables, ScoreSelectionOptions options)
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
            if (!(table.EliteFraction > 0 && table.EliteFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(tables), table.EliteFraction, $"Table '{table.Name}': the elite fraction must be in (0, 1].");
            int n = table.Accuracy.Count;
            foreach (var (name, column) in table.Values)
            {
                if (column.Length != n) throw new ArgumentException($"Table '{table.Name}': proxy '{name}' has {column.Length} values for {n} accuracies.", nameof(tables));
            }
            if (!table.Values.Keys.OrderBy(k => k, StringComparer.Ordinal).SequenceEqual(proxies))
                throw new ArgumentException($"Table '{table.Name}' has proxies {string.Join(", ", table.Values.Keys)}, table '{tables[0].Name}' {string.Join(", ", proxies)}; a joint choice needs the same proxies everywhere.", nameof(tables));
            if (table.Accuracy.Any(a => !double.IsFinite(a))) throw new ArgumentException($"Table '{table.Name}': every row needs a finite accuracy.", nameof(tables));
            if (n < 2 * options.Folds) throw new ArgumentException($"Table '{table.Name}': {n} rows are too few for {options.Folds}-fold cross-validation.", nameof(tables));
        }
        foreach (string name in options.TopTerms)
        {
            if (!proxies.Contains(name, StringComparer.Ordinal)) throw new ArgumentException($"Top term '{name}' is not among the proxies ({string.Join(", ", proxies)}).", nameof(options));
        }

        List<HybridScore> bodies = Candidates(proxies, options.MaxTerms, options.AllWeights);
        int[][] orders = tables.Select(t =>
        {
            int[] order = Enumerable.Range(0, t.Accuracy.Count).ToArray();
            new Random(options.Seed).Shuffle(order);
            return order;
        }).ToArray();
        var foldResults = new List<JointScoreFold>();
        for (int f = 0; f < options.Folds; f++)
        {
            int[][] test = orders.Select(o => o.Where((_, i) => i % options.Folds == f).ToArray()).ToArray();
            int[][] train = orders.Select(o => o.Where((_, i) => i % options.Folds != f).ToArray()).ToArray();
            var (score, best) = Choose(bodies, tables, train, options)[0];
            var held = Evaluate([score], tables, test)[0].Result;
            foldResults.Add(new JointScoreFold(f, best.Score, best.Tables, held.Tables));
        }
        var ranked = Choose(bodies, tables, orders, options);
        return new JointSelectionResult(tables.Select(t => t.Name).ToArray(), ranked[0].Result, foldResults, ranked.Take(options.Top).Select(c => c.Result).ToArray(), ranked.Count);
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

    /// <summary>The candidate scores over <paramref name="proxies"/> with up to <paramref name="maxTerms"/> terms.</summary>
    /// <param name="proxies">Proxy names.</param>
    /// <param name="maxTerms">Largest number of terms.</param>
    /// <param name="allWeights">Every 1/2 weighting (except all 2) instead of equal weights and one doubled term.</param>
    public static List<HybridScore> Candidates(IReadOnlyList<string> proxies, int maxTerms, bool allWeights = false)
    {
        ArgumentNullException.ThrowIfNull(proxies);
        var result = new List<HybridScore>();
        int m = proxies.Count;
        for (int mask = 1; mask < 1 << m; mask++)
        {
            int k = System.Numerics.BitOperations.PopCount((uint)mask);
            if (k > maxTerms) continue;
            string[] chosen = Enumerable.Range(0, m).Where(i => (mask & (1 << i)) != 0).Select(i => proxies[i]).ToArray();
            foreach (var aggregation in new[] { RankAggregation.Linear, RankAggregation.Log })
            {
                if (k == 1 && aggregation == RankAggregation.Log) continue; // one term: the same order either way
                result.Add(new HybridScore(chosen.Select(p => new ScoreTerm(p, 1)).ToArray(), aggregation));
                if (k == 1) continue;
                if (allWeights)
                {
                    // Bit i of 'heavy' doubles term i; all doubled is the same order as all 1.
                    for (int heavy = 1; heavy < (1 << k) - 1; heavy++)
                        result.Add(new HybridScore(chosen.Select((p, i) => new ScoreTerm(p, (heavy & (1 << i)) != 0 ? 2 : 1)).ToArray(), aggregation));
                    continue;
                }
                for (int heavy = 0; heavy < k; heavy++)
                    result.Add(new HybridScore(chosen.Select((p, i) => new ScoreTerm(p, i == heavy ? 2 : 1)).ToArray(), aggregation));
            }
        }
        return result;
    }

    /// <summary>
    /// The candidates on <paramref name="rows"/> (per table), best first: the bodies, plus (when top terms are given)
    /// the <see cref="ScoreSelectionOptions.Bodies"/> best bodies by (worst) Kendall tau with each top term and weight added.
    /// </summary>
    private static List<(HybridScore Score, JointScoreCandidate Result)> Choose(List<HybridScore> bodies, IReadOnlyList<SelectionTable> tables, int[][] rows, ScoreSelectionOptions options)
    {
        var scored = Evaluate(bodies, tables, rows);
        if (options.TopTerms.Count > 0)
        {
            var extended = new List<HybridScore>();
            foreach (var (body, _) in scored.OrderByDescending(c => c.Result.WorstKendall).Take(options.Bodies))
            {
                foreach (string proxy in options.TopTerms)
                {
                    if (body.Proxies.Contains(proxy, StringComparer.Ordinal)) continue;
                    // A single-proxy body is its raw value; as a hybrid it is its rank, which orders the same way.
                    var aggregation = body.IsSingleProxy ? RankAggregation.Log : body.Aggregation;
                    foreach (double weight in options.TopWeights)
                        extended.Add(new HybridScore([.. body.Terms, new ScoreTerm(proxy, weight, Top: true)], aggregation));
                }
            }
            scored.AddRange(Evaluate(extended, tables, rows));
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
    private static List<(HybridScore Score, JointScoreCandidate Result)> Evaluate(List<HybridScore> candidates, IReadOnlyList<SelectionTable> tables, int[][] rows)
    {
        var perTable = new ScoreCandidate[tables.Count][];
        var best = new double[tables.Count];
        for (int t = 0; t < tables.Count; t++)
        {
            perTable[t] = Evaluate(candidates, tables[t], rows[t]);
            best[t] = rows[t].Max(r => tables[t].Accuracy[r]);
        }
        return candidates.Select((score, c) => (score, new JointScoreCandidate(score.Name, perTable.Select(p => p[c]).ToArray(), best))).ToList();
    }

    /// <summary>Scores candidates on <paramref name="rows"/> of one table.</summary>
    private static ScoreCandidate[] Evaluate(List<HybridScore> candidates, SelectionTable table, int[] rows)
    {
        // Ranks of each proxy within these rows, computed once.
        var ranks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (name, column) in table.Values) ranks[name] = Ranking.AverageRanks(rows.Select(r => column[r]).ToArray());
        double[] truth = rows.Select(r => table.Accuracy[r]).ToArray();
        int n = rows.Length;
        int eliteCount = EliteCount(n, table.EliteFraction);
        var scored = new ScoreCandidate[candidates.Count];
        Parallel.For(0, candidates.Count, c =>
        {
            HybridScore score = candidates[c];
            var total = new double[n];
            foreach (ScoreTerm term in score.Terms)
            {
                double[] r = ranks[term.Proxy];
                for (int i = 0; i < n; i++)
                    total[i] += term.Weight * HybridScore.RankTerm(r[i], n, score.IsSingleProxy ? RankAggregation.Linear : score.Aggregation, term.Top);
            }
            var (top, elite) = Outcome(score, total, (i, proxy) => table.Values[proxy][rows[i]], truth, eliteCount);
            scored[c] = new ScoreCandidate(score.Name, Correlation.KendallTauB(total, truth), top, elite) { Rows = n };
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
