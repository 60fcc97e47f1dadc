using GaNas.SearchSpaces;

// Types shaped like Microsoft.ML.AutoML's tuner / trial-runner extension points (ITuner, ITrialRunner,
// TrialSettings, TrialResult, Parameter), which are not available here. Names and members follow
// AutoML so that a thin adapter can bind them to Microsoft.ML.AutoML when it is referenced.
namespace GaNas.Search.AutoML;

/// <summary>A proposal: the architecture to try, as AutoML's Parameter carries a search-space point.</summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter for a genome.</summary>
    public Parameter(Genome genome, string architecture)
    {
        Genome = genome ?? throw new ArgumentNullException(nameof(genome));
        Architecture = architecture ?? throw new ArgumentNullException(nameof(architecture));
    }

    /// <summary>The proposed architecture.</summary>
    public Genome Genome { get; }

    /// <summary>Its canonical string.</summary>
    public string Architecture { get; }

    /// <inheritdoc />
    public override string ToString() => Architecture;
}

/// <summary>One trial's settings (AutoML: TrialId, StartedAtUtc, EndedAtUtc, Parameter).</summary>
public sealed class TrialSettings
{
    /// <summary>Sequential id, from 0.</summary>
    public int TrialId { get; init; }

    /// <summary>When the trial started.</summary>
    public DateTime StartedAtUtc { get; set; }

    /// <summary>When it ended.</summary>
    public DateTime? EndedAtUtc { get; set; }

    /// <summary>The proposal, set by the tuner.</summary>
    public Parameter Parameter { get; set; } = null!;
}

/// <summary>
/// One trial's outcome (AutoML: TrialSettings, Model, Loss, Metric, DurationInMilliseconds, PeakCpu,
/// PeakMemoryInMegaByte), plus the architecture and every proxy value, which training-free search needs.
/// </summary>
public sealed class TrialResult
{
    /// <summary>The settings of the trial.</summary>
    public required TrialSettings TrialSettings { get; init; }

    /// <summary>A trained model when the runner trains; null for proxy runners.</summary>
    public object? Model { get; init; }

    /// <summary>Smaller is better. For a single proxy: minus its value. For a hybrid score: minus the
    /// trial's score within all trials so far (hybrid scores are relative to a pool). +inf for a failed trial.</summary>
    public double Loss { get; set; }

    /// <summary>Larger is better: minus <see cref="Loss"/>.</summary>
    public double Metric { get; set; }

    /// <summary>Wall time of the trial, or the tabulated cost of computing its proxies.</summary>
    public double DurationInMilliseconds { get; init; }

    /// <summary>Peak CPU use, when measured.</summary>
    public double? PeakCpu { get; init; }

    /// <summary>Peak memory, when measured.</summary>
    public double? PeakMemoryInMegaByte { get; init; }

    /// <summary>The architecture.</summary>
    public Genome Genome => TrialSettings.Parameter.Genome;

    /// <summary>Proxy values by name (empty for a failed trial).</summary>
    public IReadOnlyDictionary<string, double> ProxyValues { get; init; } = new Dictionary<string, double>();

    /// <summary>Why the trial failed, or null.</summary>
    public string? Error { get; init; }

    /// <summary>Whether the trial failed.</summary>
    public bool Failed => Error is not null;
}

/// <summary>Proposes the next trial and learns from finished ones (AutoML's ITuner).</summary>
public interface ITuner
{
    /// <summary>The next architecture to evaluate; never one evaluated before.</summary>
    Parameter Propose(TrialSettings settings);

    /// <summary>Reports a finished (possibly failed) trial.</summary>
    void Update(TrialResult result);
}

/// <summary>Evaluates a proposal (AutoML's ITrialRunner).</summary>
public interface ITrialRunner : IDisposable
{
    /// <summary>Runs one trial.</summary>
    Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct);
}

/// <summary>
/// Receives an experiment's trials as they happen (AutoML's IMonitor): each trial when it starts, then either completed
/// or failed, and the best trial whenever it changes. Called on the experiment's thread, in proposal order.
/// </summary>
public interface IMonitor
{
    /// <summary>A trial has started.</summary>
    void ReportRunningTrial(TrialSettings settings);

    /// <summary>A trial has finished with proxy values.</summary>
    void ReportCompletedTrial(TrialResult result);

    /// <summary>A trial has failed: the runner threw <paramref name="exception"/>, or (null) returned a failed result with its reason.</summary>
    void ReportFailTrial(TrialSettings settings, Exception? exception = null);

    /// <summary>The best trial of the history so far is now <paramref name="result"/>.</summary>
    void ReportBestTrial(TrialResult result);
}
