namespace GaNas.Proxies;

/// <summary>
/// AZ-NAS progressivity: the smallest increase of the block entropy from one block to the next
/// (negative when expressivity falls somewhere); a network whose features keep gaining directions scores high.
/// </summary>
internal sealed class AzProgressivity : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "az_progressivity";

    /// <inheritdoc />
    public CleanPassNeeds Needs => CleanPassNeeds.BlockEntropies;

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(context.Clean.BlockEntropies);
    }

    /// <summary>min over consecutive blocks of (H_{l+1} - H_l).</summary>
    public static ProxyValue Of(IReadOnlyList<double> entropies)
    {
        ArgumentNullException.ThrowIfNull(entropies);
        if (entropies.Count < 2) return ProxyValue.Failed("progressivity needs at least two blocks");
        double min = double.PositiveInfinity;
        for (int i = 1; i < entropies.Count; i++) min = Math.Min(min, entropies[i] - entropies[i - 1]);
        return ProxyValue.Of(min, "progressivity");
    }
}
