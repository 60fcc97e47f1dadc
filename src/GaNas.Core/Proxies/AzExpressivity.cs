namespace GaNas.Proxies;

/// <summary>
/// AZ-NAS expressivity (Lee and Ham, CVPR 2024): the sum over the network's blocks (cells and
/// reduction blocks) of the eigenvalue entropy of their output features (see <see cref="FeatureEntropy"/>).
/// Computed in the clean forward pass that NASWOT and NI share.
/// </summary>
internal sealed class AzExpressivity : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "az_expressivity";

    /// <inheritdoc />
    public CleanPassNeeds Needs => CleanPassNeeds.BlockEntropies;

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var entropies = context.Clean.BlockEntropies;
        return entropies.Count == 0 ? ProxyValue.Failed("the network has no blocks") : ProxyValue.Of(entropies.Sum(), "expressivity");
    }
}
