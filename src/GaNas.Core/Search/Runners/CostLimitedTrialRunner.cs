using GaNas.Networks;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Runners;

/// <summary>
/// Rejects architectures whose multiply-accumulates per image exceed a limit before the inner runner
/// scores them: a rejected trial fails (it ranks last and counts as an evaluation), so a search under
/// a deployment budget returns a network that fits it.
/// </summary>
public sealed class CostLimitedTrialRunner(ITrialRunner inner, ISearchSpace space, NetworkOptions options, int inputSize, long maxMultiplyAccumulates) : ITrialRunner, IFingerprinted
{
    /// <inheritdoc />
    public RunFingerprint Fingerprint => (inner is IFingerprinted f ? f.Fingerprint : new RunFingerprint([]))
        .With(("max_macs", maxMultiplyAccumulates.ToString(System.Globalization.CultureInfo.InvariantCulture)),
              ("macs_input_size", inputSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        long macs;
        using (CellNetwork network = space.BuildNetwork(settings.Parameter.Genome, options))
        {
            macs = NetworkStatistics.CountMultiplyAccumulates(network, inputSize);
        }
        if (macs > maxMultiplyAccumulates)
            throw new InvalidOperationException($"{settings.Parameter.Architecture} needs {macs:N0} MACs per image, over the limit of {maxMultiplyAccumulates:N0}.");
        return inner.RunAsync(settings, ct);
    }

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();
}
