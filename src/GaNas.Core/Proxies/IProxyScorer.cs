using GaNas.Search;
using GaNas.SearchSpaces;

namespace GaNas.Proxies;

/// <summary>
/// Computes one architecture's proxy values somewhere: in this process (<see cref="ProxyEvaluator"/>) or on other
/// machines (GaNas.Orleans' cluster scorer). Searches (<see cref="GaNas.Search.Runners.ProxyTrialRunner"/>) and proxy
/// tables (<see cref="ProxyScoring.EvaluateMany"/>) take any scorer, so where the work runs is a choice of the caller,
/// not of the algorithm. Implementations are thread-safe and return the values a <see cref="ProxyEvaluator"/> with the
/// same fingerprint (<see cref="IFingerprinted.Fingerprint"/>) computes.
/// </summary>
public interface IProxyScorer : IFingerprinted
{
    /// <summary>The search space the architectures come from.</summary>
    ISearchSpace Space { get; }

    /// <summary>
    /// How many evaluations this scorer runs at once when given that many (1 for an evaluator in this process, whose
    /// callers choose their own worker count; the cluster's lanes for a cluster scorer).
    /// </summary>
    int Concurrency { get; }

    /// <summary>Scores one architecture (a degenerate one gets every proxy failed with the reason).</summary>
    Task<ProxyScores> ScoreAsync(Genome genome, CancellationToken ct = default);
}
