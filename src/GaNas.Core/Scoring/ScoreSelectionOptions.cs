namespace GaNas.Scoring;

/// <summary>What <see cref="ScoreSelection"/> maximises.</summary>
public enum SelectionObjective
{
    /// <summary>Kendall tau-b against accuracy over all rows: the whole ranking (over several tables, the smallest).</summary>
    Kendall,

    /// <summary>
    /// <see cref="CandidateOnTable.EliteAccuracy"/>: the architecture a search returns. Candidates whose Kendall tau is
    /// below <see cref="ScoreSelectionOptions.MinKendall"/> are not eligible; ties are broken by Kendall tau. Over
    /// several tables: the smallest worst elite regret (best accuracy minus the elite's first), then the smallest summed
    /// regret, among candidates whose Kendall tau reaches the floor on every table.
    /// </summary>
    Elite,
}

/// <summary>Settings of <see cref="ScoreSelection"/>: the candidate grid, the objective and the cross-validation.</summary>
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
