namespace GaNas.Orleans;

/// <summary>
/// What a <see cref="ClusterProxyScorer"/> has done: architectures scored, time spent, attempts retried. The overhead of
/// the cluster path is the round-trip time less the time the silos report for the evaluations themselves.
/// </summary>
/// <param name="Evaluations">Architectures scored on the cluster.</param>
/// <param name="RoundTripSeconds">Sum over them of the wall time from dispatch to answer (successful attempts).</param>
/// <param name="WorkerSeconds">Sum of the evaluation times the silos reported.</param>
/// <param name="Retries">Attempts that failed with a lost or silent silo and were retried.</param>
/// <param name="SpecTransfers">Times a silo was sent the evaluation spec (once per silo, unless it evicted the spec or left and came back).</param>
/// <param name="PerSilo">Architectures scored per silo address.</param>
public sealed record ClusterScoringStatistics(int Evaluations, double RoundTripSeconds, double WorkerSeconds, int Retries, int SpecTransfers, IReadOnlyDictionary<string, int> PerSilo)
{
    /// <summary>Mean cluster overhead per architecture, in seconds (round trip less evaluation).</summary>
    public double OverheadSecondsPerEvaluation => Evaluations == 0 ? 0 : (RoundTripSeconds - WorkerSeconds) / Evaluations;

    /// <summary>The overhead as a fraction of the mean evaluation time.</summary>
    public double OverheadFraction => WorkerSeconds <= 0 ? 0 : (RoundTripSeconds - WorkerSeconds) / WorkerSeconds;
}
