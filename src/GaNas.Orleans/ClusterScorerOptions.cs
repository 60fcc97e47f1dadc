namespace GaNas.Orleans;

/// <summary>How a <see cref="ClusterProxyScorer"/> dispatches work and survives lost silos.</summary>
public sealed class ClusterScorerOptions
{
    /// <summary>
    /// Attempts per architecture: one that failed because its silo was lost or did not answer in time is retried on
    /// another silo, up to this many attempts in all; then it fails with every attempt's reason.
    /// </summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Longest wait for one evaluation on one silo before the attempt counts as lost.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the scorer looks for silos that joined the cluster (and re-admits silos that answer again).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long work may wait while no silo serves it before it fails.</summary>
    public TimeSpan NoWorkerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a silo retired after a lost attempt stays out before a refresh may admit it again.</summary>
    public TimeSpan Quarantine { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest evaluation spec (the image batch, mainly) the scorer sends, in bytes; as the workers' default limit.</summary>
    public long MaxSpecBytes { get; set; } = 64L << 20;

    /// <summary>Throws naming the first invalid option.</summary>
    internal void Validate()
    {
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "At least one attempt.");
        if (AttemptTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(AttemptTimeout), AttemptTimeout, "The attempt timeout must be positive.");
        if (RefreshInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RefreshInterval), RefreshInterval, "The refresh interval must be positive.");
        if (Quarantine < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Quarantine), Quarantine, "The quarantine cannot be negative.");
        if (MaxSpecBytes < 1) throw new ArgumentOutOfRangeException(nameof(MaxSpecBytes), MaxSpecBytes, "The spec size limit must be positive.");
        if (NoWorkerTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(NoWorkerTimeout), NoWorkerTimeout, "The no-worker timeout must be positive.");
    }
}
