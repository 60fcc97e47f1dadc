namespace GaNas.Proxies;

/// <summary>
/// NASWOT (Mellor et al., "Neural Architecture Search without Training"): for every ReLU, the
/// binary code (output &gt; 0) of each image; K_H[i, j] = N_A - Hamming(c_i, c_j) over all ReLU
/// units; score = log |det K_H|. Network in train mode, no gradients.
/// </summary>
internal sealed class Naswot : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "naswot";

    /// <inheritdoc />
    public CleanPassNeeds Needs => CleanPassNeeds.ReluCodes;

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Clean.Kernel.LogAbsDeterminant();
    }
}
