namespace GaNas.Scoring;

// The results of ScoreSelection, one family for one table and for several: a candidate's result on one table
// (CandidateOnTable), on every table (CandidateResult), one cross-validation fold (SelectionFold) and the whole
// selection (SelectionResult); SelectionTable is its input.

/// <summary>One candidate score's result on one table of a <see cref="ScoreSelection"/>.</summary>
/// <param name="Score">The score (text form as <see cref="HybridScore.Parse(string)"/> reads it).</param>
/// <param name="Kendall">Kendall tau-b against the accuracy over the rows.</param>
/// <param name="TopAccuracy">Accuracy of the row the score ranks first over the rows.</param>
/// <param name="EliteAccuracy">
/// Accuracy of the row the score ranks first within its own elite (its top <see cref="SelectionTable.EliteFraction"/>
/// of the rows, ranked again among themselves): what a search returns once its history has converged on the elite,
/// because a hybrid score ranks within the pool it is given and an elite pool ranks differently from the whole space.
/// </param>
public sealed record CandidateOnTable(string Score, double Kendall, double TopAccuracy, double EliteAccuracy)
{
    /// <summary>How many rows the candidate was measured on.</summary>
    public int Rows { get; init; }
}

/// <summary>One proxy table with ground truth for <see cref="ScoreSelection"/> (e.g. one search space on CIFAR-10).</summary>
/// <param name="Name">Label in reports (e.g. "tss").</param>
/// <param name="Values">Proxy name to its values, one per row (non-finite = failed, ranked last).</param>
/// <param name="Accuracy">Accuracy per row (finite).</param>
/// <param name="EliteFraction">Share of the rows in a candidate's elite on this table (1,000 evaluations over the space's size).</param>
public sealed record SelectionTable(string Name, IReadOnlyDictionary<string, double[]> Values, IReadOnlyList<double> Accuracy, double EliteFraction);

/// <summary>One candidate score's results on every table of a selection.</summary>
/// <param name="Score">The score.</param>
/// <param name="Tables">Its result per table, in table order.</param>
/// <param name="BestAccuracy">Per table, the best accuracy among the rows (the regret's reference).</param>
public sealed record CandidateResult(string Score, IReadOnlyList<CandidateOnTable> Tables, IReadOnlyList<double> BestAccuracy)
{
    /// <summary>The smallest Kendall tau over the tables.</summary>
    public double WorstKendall => Tables.Min(t => t.Kendall);

    /// <summary>The largest elite regret over the tables: best accuracy of the rows minus the elite's first architecture's.</summary>
    public double WorstEliteRegret => Tables.Select((t, i) => BestAccuracy[i] - t.EliteAccuracy).Max();

    /// <summary>The elite regrets summed over the tables (the tie-break after the worst one).</summary>
    public double TotalEliteRegret => Tables.Select((t, i) => BestAccuracy[i] - t.EliteAccuracy).Sum();
}

/// <summary>One cross-validation fold: the score chosen on the other folds of every table and how it does.</summary>
/// <param name="Fold">Fold number.</param>
/// <param name="Chosen">The score chosen on the other folds.</param>
/// <param name="Train">Its results on the rows it was chosen on, per table.</param>
/// <param name="Test">Its results on the held-out rows, per table (elite = the same fraction of them).</param>
public sealed record SelectionFold(int Fold, string Chosen, IReadOnlyList<CandidateOnTable> Train, IReadOnlyList<CandidateOnTable> Test);

/// <summary>The outcome of <see cref="ScoreSelection"/>.</summary>
/// <param name="Tables">Table names, in order.</param>
/// <param name="Chosen">The best candidate over all rows of every table by the objective.</param>
/// <param name="Folds">Cross-validation: per fold, the candidate chosen without that fold and how it does on it.</param>
/// <param name="Top">The best candidates over all rows, best first.</param>
/// <param name="Candidates">How many candidates were compared on all rows.</param>
public sealed record SelectionResult(IReadOnlyList<string> Tables, CandidateResult Chosen, IReadOnlyList<SelectionFold> Folds, IReadOnlyList<CandidateResult> Top, int Candidates)
{
    /// <summary>Mean held-out Kendall tau of the per-fold choices on table <paramref name="table"/>: what the selection procedure is worth on unseen architectures.</summary>
    public double CrossValidatedKendall(int table = 0) => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.Test[table].Kendall);

    /// <summary>Mean held-out elite accuracy of the per-fold choices on table <paramref name="table"/>.</summary>
    public double CrossValidatedEliteAccuracy(int table = 0) => Folds.Count == 0 ? double.NaN : Folds.Average(f => f.Test[table].EliteAccuracy);
}
