using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// MeCo (Jiang et al., NeurIPS 2023): the smallest eigenvalue of the Pearson correlation matrix of a
/// feature map's channels, summed over the network's blocks (cells and reduction blocks) here, on the
/// shared clean forward pass. A small eigenvalue means nearly redundant channels. A channel with zero
/// variance correlates with nothing and makes its block's eigenvalue 0.
/// </summary>
internal sealed class Meco : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "meco";

    /// <inheritdoc />
    public CleanPassNeeds Needs => CleanPassNeeds.BlockCorrelations;

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var values = context.Clean.BlockMinCorrelations;
        return values.Count == 0 ? ProxyValue.Failed("the network has no blocks") : ProxyValue.Of(values.Sum(), "MeCo");
    }

    /// <summary>Smallest eigenvalue of the correlation matrix of a channel covariance (zero-variance channels give 0).</summary>
    public static double MinCorrelationEigenvalue(Tensor covariance)
    {
        ArgumentNullException.ThrowIfNull(covariance);
        using var scope = NewDisposeScope();
        using TorchSharp.Scalar tiny = 1e-12.ToScalar();
        Tensor std = covariance.diagonal().clamp_min(GaNas.Runtime.Scalars.Zero).sqrt();
        Tensor live = std.gt(tiny);
        Tensor inverse = where(live, std.reciprocal(), zeros_like(std));
        Tensor correlation = covariance.mul(inverse.unsqueeze(1)).mul(inverse.unsqueeze(0));
        return linalg.eigvalsh(correlation).min().item<double>();
    }
}
