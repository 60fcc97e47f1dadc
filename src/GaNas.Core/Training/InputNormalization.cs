using static TorchSharp.torch;

namespace GaNas.Training;

/// <summary>
/// Per-channel <c>(x - mean) / std</c> applied to each batch as it is gathered, so that a data set can stay in memory
/// once, as raw pixels (uint8 for images), instead of as a normalised float32 copy four times its size. The result of a
/// batch equals the same rows of the whole set normalised at once (the same float32 operations, element by element).
/// </summary>
public sealed class InputNormalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the normalisation; one mean and one positive standard deviation per channel.</summary>
    public InputNormalization(IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count) throw new ArgumentException($"One mean and one standard deviation per channel are needed; got {mean.Count} and {std.Count}.", nameof(std));
        if (mean.Any(m => !double.IsFinite(m)) || std.Any(s => !(s > 0) || !double.IsFinite(s)))
            throw new ArgumentException("Means must be finite and standard deviations positive and finite.", nameof(std));
        Mean = mean.ToArray();
        Std = std.ToArray();
        _mean = Mean.Select(v => (float)v).ToArray();
        _std = Std.Select(v => (float)v).ToArray();
    }

    /// <summary>
    /// The normalisation of values whose per-channel sums and sums of squares are given, over <paramref name="count"/>
    /// values per channel: mean = sum / count, std = sqrt(max(sum of squares / count - mean^2, 1e-12)).
    /// </summary>
    public static InputNormalization FromMoments(IReadOnlyList<double> sum, IReadOnlyList<double> sumOfSquares, double count)
    {
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentNullException.ThrowIfNull(sumOfSquares);
        if (sum.Count != sumOfSquares.Count) throw new ArgumentException($"{sum.Count} sums for {sumOfSquares.Count} sums of squares.", nameof(sumOfSquares));
        if (!(count > 0)) throw new ArgumentOutOfRangeException(nameof(count), count, "At least one value per channel is needed.");
        var mean = new double[sum.Count];
        var std = new double[sum.Count];
        for (int c = 0; c < sum.Count; c++)
        {
            mean[c] = sum[c] / count;
            std[c] = Math.Sqrt(Math.Max(sumOfSquares[c] / count - mean[c] * mean[c], 1e-12));
        }
        return new InputNormalization(mean, std);
    }

    /// <summary>Per-channel means, in the raw values' units.</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Per-channel standard deviations, in the raw values' units.</summary>
    public IReadOnlyList<double> Std { get; }

    /// <summary>A new float32 N x C x H x W tensor: <paramref name="batch"/> (any numeric dtype) normalised.</summary>
    public Tensor Apply(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.dim() != 4 || batch.shape[1] != _mean.Length)
            throw new ArgumentException($"Expected an N x {_mean.Length} x H x W batch, got {string.Join('x', batch.shape)}.", nameof(batch));
        using var scope = NewDisposeScope();
        Tensor m = tensor(_mean).view(1, _mean.Length, 1, 1).to(batch.device);
        Tensor s = tensor(_std).view(1, _std.Length, 1, 1).to(batch.device);
        return batch.to_type(ScalarType.Float32).sub(m).div_(s).MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="batch"/> normalised by <paramref name="normalization"/>, or as float32 when there is none.</summary>
    internal static Tensor Prepare(Tensor batch, InputNormalization? normalization)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (normalization is not null) return normalization.Apply(batch);
        return batch.dtype == ScalarType.Float32 ? batch.alias() : batch.to_type(ScalarType.Float32);
    }
}
