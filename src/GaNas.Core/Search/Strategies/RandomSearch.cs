using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>Random search (RS): uniform samples without repetition; the best by the score over all of them wins.</summary>
public sealed class RandomSearch(ISearchSpace space, HybridScore score, int seed) : SearchStrategy(space, score, seed)
{
    /// <inheritdoc />
    public override string Name => "rs";

    /// <inheritdoc />
    public override string Settings => string.Empty;

    /// <inheritdoc />
    public override int ProposalsReady => int.MaxValue;

    /// <inheritdoc />
    protected override Genome Next() => Fresh(() => Space.Sample(Random));

    /// <inheritdoc />
    protected override void Learn(TrialResult result) { }
}
