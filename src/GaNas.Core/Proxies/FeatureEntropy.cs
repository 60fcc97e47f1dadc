using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Entropy of the normalised eigenvalue spectrum of a feature map's channel covariance: every
/// spatial position of every image is a sample of C channels; the covariance's eigenvalues
/// lambda_i, normalised to p_i = lambda_i / sum lambda, give H = -sum p_i log p_i, between 0 (all
/// variance in one direction) and log C (isotropic features). AZ-NAS calls its sum expressivity.
/// </summary>
public static class FeatureEntropy
{
    /// <summary>H of a B x C x H x W (or B x C) feature map, in float64.</summary>
    public static double Of(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        using Tensor? covariance = ChannelCovariance(features);
        return covariance is null ? 0 : OfCovariance(covariance);
    }

    /// <summary>H of a channel covariance matrix.</summary>
    public static double OfCovariance(Tensor covariance)
    {
        ArgumentNullException.ThrowIfNull(covariance);
        using var scope = NewDisposeScope();
        double[] eigenvalues = linalg.eigvalsh(covariance).clamp_min(GaNas.Runtime.Scalars.Zero).data<double>().ToArray();
        return FromEigenvalues(eigenvalues);
    }

    /// <summary>
    /// The C x C float64 covariance of a B x C x H x W (or B x C) feature map, every spatial position of
    /// every image being one sample; null when there are fewer than two samples.
    /// </summary>
    public static Tensor? ChannelCovariance(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        long c = features.shape[1];
        Tensor samples = features.dim() == 4
            ? features.permute(0, 2, 3, 1).reshape(-1, c)
            : features.reshape(-1, c);
        long n = samples.shape[0];
        if (n < 2) return null;
        samples = samples.to(ScalarType.Float64);
        samples = samples.sub(samples.mean([0], keepdim: true));
        using TorchSharp.Scalar denominator = ((double)(n - 1)).ToScalar();
        return samples.t().matmul(samples).div_(denominator).MoveToOuterDisposeScope();
    }

    /// <summary>H of a spectrum (negative values count as 0; an all-zero spectrum has H = 0).</summary>
    public static double FromEigenvalues(IReadOnlyList<double> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        double total = eigenvalues.Sum(v => Math.Max(v, 0));
        if (!(total > 0) || !double.IsFinite(total)) return 0;
        double h = 0;
        foreach (double v in eigenvalues)
        {
            double p = Math.Max(v, 0) / total;
            if (p > 0) h -= p * Math.Log(p);
        }
        return h;
    }
}

/// <summary>
/// AZ-NAS expressivity (Lee and Ham, CVPR 2024): the sum over the network's blocks (cells and
/// reduction blocks) of the eigenvalue entropy of their output features (see <see cref="FeatureEntropy"/>).
/// Computed in the clean forward pass that NASWOT and NI share.
/// </summary>
public sealed class AzExpressivity : IZeroCostProxy
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

/// <summary>
/// AZ-NAS progressivity: the smallest increase of the block entropy from one block to the next
/// (negative when expressivity falls somewhere); a network whose features keep gaining directions scores high.
/// </summary>
public sealed class AzProgressivity : IZeroCostProxy
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

/// <summary>
/// MeCo (Jiang et al., NeurIPS 2023): the smallest eigenvalue of the Pearson correlation matrix of a
/// feature map's channels, summed over the network's blocks (cells and reduction blocks) here, on the
/// shared clean forward pass. A small eigenvalue means nearly redundant channels. A channel with zero
/// variance correlates with nothing and makes its block's eigenvalue 0.
/// </summary>
public sealed class Meco : IZeroCostProxy
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
