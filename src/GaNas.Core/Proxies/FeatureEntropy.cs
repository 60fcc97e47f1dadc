using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Entropy of the normalised eigenvalue spectrum of a feature map's channel covariance: every
/// spatial position of every image is a sample of C channels; the covariance's eigenvalues
/// lambda_i, normalised to p_i = lambda_i / sum lambda, give H = -sum p_i log p_i, between 0 (all
/// variance in one direction) and log C (isotropic features). AZ-NAS calls its sum expressivity.
/// </summary>
internal static class FeatureEntropy
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
