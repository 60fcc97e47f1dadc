namespace GaNas.Scoring;

/// <summary>One candidate score's result in <see cref="ScoreSelection"/>.</summary>
/// <param name="Score">The score (text form as <see cref="HybridScore.Parse"/> reads it).</param>
/// <param name="Kendall">Kendall tau-b against the accuracy over all rows.</param>
/// <param name="TopAccuracy">Accuracy of the row the score ranks first: what a search that reaches the score's optimum over these rows returns.</param>
public sealed record ScoreCandidate(string Score, double Kendall, double TopAccuracy);

/// <summary>One cross-validation fold: the score chosen on the other folds and its Kendall tau on this one.</summary>
public sealed record ScoreFold(int Fold, int TrainRows, int TestRows, string Chosen, double TrainKendall, double TestKendall);

/// <summary>The outcome of <see cref="ScoreSelection.Run"/>.</summary>
/// <param name="Chosen">The candidate with the highest Kendall tau over all rows.</param>
/// <param name="Folds">Cross-validation: per fold, the candidate chosen without that fold and its held-out tau.</param>
/// <param name="Top">The best candidates over all rows, best first.</param>
/// <param name="Candidates">How many candidates were compared.</param>
public sealed record ScoreSelectionResult(ScoreCandidate Chosen, IReadOnlyList<ScoreFold> Folds, IReadOnlyList<ScoreCandidate> Top, int Candidates)
{
    /// <summary>Mean held-out Kendall tau of the per-fold choices: what the selection procedure is worth on unseen architectures.</summary>
    public double CrossValidatedKendall => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.TestKendall);
}

/// <summary>
/// Chooses a hybrid score from proxy values with known accuracies (CIFAR-10 only, by the project's rule).
/// Candidates: every set of up to <c>maxTerms</c> proxies, each with linear and log-rank aggregation, with
/// equal weights and with one term weighted 2. Ranks are taken within the rows being scored, as a search
/// ranks its pool. K-fold cross-validation over a seeded shuffle reports how well "pick the best candidate
/// on the other folds" does on held-out architectures; the final choice is the best candidate on all rows.
/// </summary>
public static class ScoreSelection
{
    /// <summary>Runs the selection.</summary>
    /// <param name="values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
    /// <param name="accuracy">Accuracy per row (finite).</param>
    /// <param name="maxTerms">Largest number of proxies in a candidate.</param>
    /// <param name="folds">Cross-validation folds (at least 2).</param>
    /// <param name="seed">Seed of the fold shuffle.</param>
    /// <param name="top">How many of the best candidates to return.</param>
    public static ScoreSelectionResult Run(IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int maxTerms = 4, int folds = 5, int seed = 0, int top = 15)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(accuracy);
        if (values.Count == 0) throw new ArgumentException("No proxy to select from.", nameof(values));
        if (maxTerms < 1) throw new ArgumentOutOfRangeException(nameof(maxTerms), maxTerms, "A score has at least one term.");
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        int n = accuracy.Count;
        foreach (var (name, column) in values)
        {
            if (column.Length != n) throw new ArgumentException($"Proxy '{name}' has {column.Length} values for {n} accuracies.", nameof(values));
        }
        if (accuracy.Any(a => !double.IsFinite(a))) throw new ArgumentException("Every row needs a finite accuracy.", nameof(accuracy));
        if (n < 2 * folds) throw new ArgumentException($"{n} rows are too few for {folds}-fold cross-validation.", nameof(accuracy));

        string[] proxies = values.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        List<HybridScore> candidates = Candidates(proxies, maxTerms);

        int[] order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var foldResults = new List<ScoreFold>();
        for (int f = 0; f < folds; f++)
        {
            int[] test = order.Where((_, i) => i % folds == f).ToArray();
            int[] train = order.Where((_, i) => i % folds != f).ToArray();
            var ranked = Evaluate(candidates, values, accuracy, train);
            var (best, trainTau, _) = ranked[0];
            double testTau = Kendall(best, values, accuracy, test);
            foldResults.Add(new ScoreFold(f, train.Length, test.Length, best.Name, trainTau, testTau));
        }
        var all = Evaluate(candidates, values, accuracy, order);
        var topList = all.Take(top).Select(c => new ScoreCandidate(c.Score.Name, c.Kendall, c.TopAccuracy)).ToArray();
        return new ScoreSelectionResult(topList[0], foldResults, topList, candidates.Count);
    }

    /// <summary>The candidate scores over <paramref name="proxies"/> with up to <paramref name="maxTerms"/> terms.</summary>
    public static List<HybridScore> Candidates(IReadOnlyList<string> proxies, int maxTerms)
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
                for (int heavy = 0; heavy < k; heavy++)
                    result.Add(new HybridScore(chosen.Select((p, i) => new ScoreTerm(p, i == heavy ? 2 : 1)).ToArray(), aggregation));
            }
        }
        return result;
    }

    private static List<(HybridScore Score, double Kendall, double TopAccuracy)> Evaluate(List<HybridScore> candidates, IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int[] rows)
    {
        // Ranks and log-ranks of each proxy within these rows, computed once.
        var linear = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var log = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var (name, column) in values)
        {
            double[] ranks = Ranking.AverageRanks(rows.Select(r => column[r]).ToArray());
            linear[name] = ranks;
            log[name] = ranks.Select(x => Math.Log(x / rows.Length)).ToArray();
        }
        double[] truth = rows.Select(r => accuracy[r]).ToArray();
        var scored = new (HybridScore, double, double)[candidates.Count];
        Parallel.For(0, candidates.Count, c =>
        {
            HybridScore score = candidates[c];
            var source = score.Aggregation == RankAggregation.Linear ? linear : log;
            var total = new double[rows.Length];
            foreach (ScoreTerm term in score.Terms)
            {
                double[] r = score.IsSingleProxy ? linear[term.Proxy] : source[term.Proxy];
                for (int i = 0; i < total.Length; i++) total[i] += term.Weight * r[i];
            }
            int first = 0;
            for (int i = 1; i < total.Length; i++)
            {
                if (total[i] > total[first]) first = i;
            }
            scored[c] = (score, Correlation.KendallTauB(total, truth), truth[first]);
        });
        return scored.OrderByDescending(s => s.Item2).ThenBy(s => s.Item1.Terms.Count).ThenBy(s => s.Item1.Name, StringComparer.Ordinal).ToList();
    }

    private static double Kendall(HybridScore score, IReadOnlyDictionary<string, double[]> values, IReadOnlyList<double> accuracy, int[] rows)
    {
        double[] s = score.Score(rows.Length, (i, p) => values[p][rows[i]]);
        return Correlation.KendallTauB(s, rows.Select(r => accuracy[r]).ToArray());
    }
}
