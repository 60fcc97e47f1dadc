namespace GaNas.Scoring;

/// <summary>One candidate score's result in <see cref="ScoreSelection"/>.</summary>
/// <param name="Score">The score (text form as <see cref="HybridScore.Parse"/> reads it).</param>
/// <param name="Kendall">Kendall tau-b against the accuracy over all rows.</param>
/// <param name="TopAccuracy">Accuracy of the row the score ranks first over all rows.</param>
/// <param name="EliteAccuracy">
/// Accuracy of the row the score ranks first within its own elite (its top <see cref="ScoreSelectionOptions.EliteFraction"/>
/// of the rows, ranked again among themselves): what a search returns once its history has converged on the elite,
/// because a hybrid score ranks within the pool it is given and an elite pool ranks differently from the whole space.
/// </param>
public sealed record ScoreCandidate(string Score, double Kendall, double TopAccuracy, double EliteAccuracy);

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

/// <summary>What <see cref="ScoreSelection"/> maximises.</summary>
public enum SelectionObjective
{
    /// <summary>Kendall tau-b against accuracy over all rows: the whole ranking.</summary>
    Kendall,

    /// <summary>
    /// <see cref="ScoreCandidate.EliteAccuracy"/>: the architecture a search returns. Candidates whose Kendall tau is
    /// below <see cref="ScoreSelectionOptions.MinKendall"/> are not eligible; ties are broken by Kendall tau.
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
        if (options.MaxTerms < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxTerms, "A score has at least one term (MaxTerms).");
        if (options.Folds < 2) throw new ArgumentOutOfRangeException(nameof(options), options.Folds, "Cross-validation needs at least 2 folds.");
        if (options.Top < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Top, "Top must be at least 1.");
        if (!(options.EliteFraction > 0 && options.EliteFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(options), options.EliteFraction, "EliteFraction must be in (0, 1].");
        if (double.IsNaN(options.MinKendall)) throw new ArgumentOutOfRangeException(nameof(options), options.MinKendall, "MinKendall must not be NaN.");
        if (options.TopWeights.Count == 0 || options.TopWeights.Any(w => !(w > 0) || !double.IsFinite(w))) throw new ArgumentOutOfRangeException(nameof(options), "TopWeights must be positive and finite.");
        if (options.Bodies < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Bodies, "Bodies must be at least 1.");
        int n = accuracy.Count;
        foreach (var (name, column) in values)
        {
            if (column.Length != n) throw new ArgumentException($"Proxy '{name}' has {column.Length} values for {n} accuracies.", nameof(values));
        }
        foreach (string name in options.TopTerms)
        {
            if (!values.ContainsKey(name)) throw new ArgumentException($"Top term '{name}' is not among the proxies ({string.Join(", ", values.Keys)}).", nameof(options));
        }
        if (accuracy.Any(a => !double.IsFinite(a))) throw new ArgumentException("Every row needs a finite accuracy.", nameof(accuracy));
        if (n < 2 * options.Folds) throw new ArgumentException($"{n} rows are too few for {options.Folds}-fold cross-validation.", nameof(accuracy));

        string[] proxies = values.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        List<HybridScore> bodies = Candidates(proxies, options.MaxTerms, options.AllWeights);

        int[] order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        var foldResults = new List<ScoreFold>();
        for (int f = 0; f < options.Folds; f++)
        {
            int[] test = order.Where((_, i) => i % options.Folds == f).ToArray();
            int[] train = order.Where((_, i) => i % options.Folds != f).ToArray();
            var (score, best) = Choose(bodies, values, accuracy, train, options)[0];
            var held = Evaluate([score], values, accuracy, test, options)[0].Result;
            foldResults.Add(new ScoreFold(f, train.Length, test.Length, best.Score, best.Kendall, held.Kendall, best.EliteAccuracy, held.EliteAccuracy));
        }
        var ranked = Choose(bodies, values, accuracy, order, options);
        return new ScoreSelectionResult(ranked[0].Result, foldResults, ranked.Take(options.Top).Select(c => c.Result).ToArray(), ranked.Count);
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
    /// The candidates on <paramref name="rows"/>, best first: the bodies, plus (when top terms are given) the
    /// <see cref="ScoreSelectionOptions.Bodies"/> best bodies by Kendall tau with each top term and weight added.
    /// </summary>
    private static List<(HybridScore Score, ScoreCandidate Result)> Choose(List<HybridScore> bodies, IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int[] rows, ScoreSelectionOptions options)
    {
        var scored = Evaluate(bodies, values, accuracy, rows, options);
        if (options.TopTerms.Count > 0)
        {
            var extended = new List<HybridScore>();
            foreach (var (body, _) in scored.OrderByDescending(c => c.Result.Kendall).Take(options.Bodies))
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
            scored.AddRange(Evaluate(extended, values, accuracy, rows, options));
        }
        var sorted = options.Objective == SelectionObjective.Kendall
            ? scored.OrderByDescending(s => s.Result.Kendall)
            : scored.OrderByDescending(s => s.Result.Kendall >= options.MinKendall).ThenByDescending(s => s.Result.EliteAccuracy).ThenByDescending(s => s.Result.Kendall);
        return sorted.ThenBy(s => s.Score.Terms.Count).ThenBy(s => s.Score.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Scores candidates on <paramref name="rows"/> (unsorted).</summary>
    private static List<(HybridScore Score, ScoreCandidate Result)> Evaluate(List<HybridScore> candidates, IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int[] rows, ScoreSelectionOptions options)
    {
        // Ranks of each proxy within these rows, computed once.
        var ranks = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (name, column) in values) ranks[name] = Ranking.AverageRanks(rows.Select(r => column[r]).ToArray());
        double[] truth = rows.Select(r => accuracy[r]).ToArray();
        int n = rows.Length;
        int eliteCount = EliteCount(n, options.EliteFraction);
        var scored = new (HybridScore, ScoreCandidate)[candidates.Count];
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
            var (top, elite) = Outcome(score, total, (i, proxy) => values[proxy][rows[i]], truth, eliteCount);
            scored[c] = (score, new ScoreCandidate(score.Name, Correlation.KendallTauB(total, truth), top, elite));
        });
        return scored.ToList();
    }

    /// <summary>Indices by descending score; among equal scores the earlier first, as a search keeps its first-seen incumbent.</summary>
    private static int[] BestFirst(double[] score)
    {
        int[] order = Enumerable.Range(0, score.Length).ToArray();
        Array.Sort(order, (x, y) => score[y] != score[x] ? score[y].CompareTo(score[x]) : x.CompareTo(y));
        return order;
    }
}
