namespace GaNas.Proxies;

/// <summary>
/// Turns the evaluation a caller has set up (<see cref="ProxyEvaluator"/>: space, proxies, image batch, seed) into the
/// scorer that runs it: what a trainer is given when its search should run elsewhere than in its own process
/// (GaNas.Orleans' cluster). The scorer returns the values the evaluator itself would compute.
/// </summary>
public interface IProxyScorerFactory
{
    /// <summary>A scorer for <paramref name="evaluator"/>'s evaluation; the caller disposes it when it is <see cref="IDisposable"/>.</summary>
    IProxyScorer Create(ProxyEvaluator evaluator);
}
