using GaNas.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Networks;

/// <summary>
/// The networks' 2-D batch norm: TorchSharp's <see cref="BatchNorm"/> (same parameters, buffers and state-dict names
/// as <c>nn.BatchNorm2d</c>, eps 1e-5, momentum 0.1, affine, running statistics) with a forward that advances the batch
/// counter through a held scalar. TorchSharp 0.107's own forward runs <c>num_batches_tracked.add_(1)</c>, whose temporary
/// scalars a garbage collection on another thread can free while libtorch reads them; with two proxy workers or two
/// training lanes that failed at random ("For integral input tensors, argument alpha must not be a floating point
/// number", in GraSP after 80 architectures of <c>benchmarks/table1.sh</c>). See docs/architecture.md, "Threads and
/// determinism".
/// </summary>
internal sealed class BatchNormLayer : BatchNorm
{
    /// <summary>Creates the layer for <paramref name="features"/> channels.</summary>
    public BatchNormLayer(long features)
        : base(features, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name: "BatchNorm2d")
    {
    }

    /// <inheritdoc />
    protected override void ValidateInputDimensions(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ndim != 4) throw new ArgumentException($"Batch norm expects a 4-D input (N, C, H, W), got {input.ndim}-D.", nameof(input));
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        double factor = momentum ?? 0.0;
        if (training && track_running_stats && num_batches_tracked is { } count)
        {
            using (no_grad()) count.add_(Scalars.One, Scalars.One);
            if (momentum is null) factor = 1.0 / count.item<long>();
        }
        bool batchStatistics = training || (running_mean is null && running_var is null);
        bool useRunning = !training || track_running_stats;
        return nn.functional.batch_norm(input, useRunning ? running_mean : null, useRunning ? running_var : null, weight, bias, batchStatistics, factor, eps);
    }
}
