using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Networks;

/// <summary>
/// Runs several ReLU-Conv-BN edges that read the same node as one wide convolution: the ReLU once, the convolutions
/// with their weights concatenated along the output channels, the batch norms as one batch norm over the
/// concatenated channels, and the result split back into one output per edge. Batch norm works channel by channel,
/// so each edge's output, gradients and running statistics are those of running it alone, up to the summation order
/// of the convolution's kernels (float32 rounding). The parameters stay in the edges' own modules (state dicts,
/// checkpoints and export are unchanged); the concatenations are recomputed at every forward, so autograd routes each
/// edge's gradient slice back to its own parameters. Edges whose batch norms are folded (scoring) fuse with each other
/// the same way, their biases concatenated.
/// </summary>
internal static class FusedConvolutions
{
    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> can share one convolution.</summary>
    public static bool Compatible(ReluConvBn a, ReluConvBn b) =>
        a.Kernel == b.Kernel && a.Stride == b.Stride && a.Padding == b.Padding && a.Conv.weight!.shape[1] == b.Conv.weight!.shape[1]
        && (a.IsFolded
            ? b.IsFolded && a.Conv.bias is not null && b.Conv.bias is not null
            : !b.IsFolded && (a.Norm is null) == (b.Norm is null) && (a.Norm is null || SameNorm(a.Norm, b.Norm!)));

    /// <summary>
    /// The outputs of <paramref name="edges"/> (compatible with each other) on the already rectified input
    /// <paramref name="rectified"/>, in their order; updates their batch norms' running statistics when training.
    /// </summary>
    public static Tensor[] Forward(IReadOnlyList<ReluConvBn> edges, Tensor rectified, bool training)
    {
        ReluConvBn first = edges[0];
        Tensor weight = edges.Count == 1 ? first.Conv.weight! : cat(edges.Select(e => (Tensor)e.Conv.weight!).ToArray(), 0);
        // Folded edges (scoring) carry their batch norm in the convolution's bias.
        Tensor? bias = !first.IsFolded ? null : edges.Count == 1 ? first.Conv.bias! : cat(edges.Select(e => (Tensor)e.Conv.bias!).ToArray(), 0);
        Tensor y = nn.functional.conv2d(rectified, weight, bias, [first.Stride, first.Stride], [first.Padding, first.Padding], [1, 1], 1);
        if (!first.IsFolded && first.Norm is { } norm) y = Normalize(edges, y, norm, training);
        long[] widths = edges.Select(e => e.Conv.weight!.shape[0]).ToArray();
        return edges.Count == 1 ? [y] : y.split(widths, 1);
    }

    private static Tensor Normalize(IReadOnlyList<ReluConvBn> edges, Tensor y, BatchNormLayer norm, bool training)
    {
        BatchNormLayer[] norms = edges.Select(e => e.Norm!).ToArray();
        bool track = norm.track_running_stats;
        bool batchStatistics = training || !track;
        Tensor? mean = track ? Concat(norms, n => n.running_mean!) : null;
        Tensor? variance = track ? Concat(norms, n => n.running_var!) : null;
        Tensor? gamma = norm.affine ? Concat(norms, n => n.weight!) : null;
        Tensor? beta = norm.affine ? Concat(norms, n => n.bias!) : null;
        double momentum = norm.momentum!.Value;
        Tensor output = nn.functional.batch_norm(y, mean, variance, gamma, beta, batchStatistics, momentum, norm.eps);
        if (!(training && track)) return output;
        // batch_norm updated the concatenated statistics in place (a single edge's own): hand each edge its slice back.
        using var noGrad = no_grad();
        // The counter advances as BatchNormLayer's forward advances it: with the held scalar, never a temporary one.
        long offset = 0;
        foreach (BatchNormLayer n in norms)
        {
            long c = n.num_features;
            if (norms.Length > 1)
            {
                n.running_mean!.copy_(mean!.narrow(0, offset, c));
                n.running_var!.copy_(variance!.narrow(0, offset, c));
            }
            n.num_batches_tracked!.add_(GaNas.Runtime.Scalars.One, GaNas.Runtime.Scalars.One);
            offset += c;
        }
        return output;
    }

    private static Tensor Concat(BatchNormLayer[] norms, Func<BatchNormLayer, Tensor> part) =>
        norms.Length == 1 ? part(norms[0]) : cat(norms.Select(part).ToArray(), 0);

    // Fused only with a fixed momentum: a cumulative average (momentum null) would read each module's batch count.
    private static bool SameNorm(BatchNormLayer a, BatchNormLayer b) =>
        a.momentum is { } m && b.momentum == m && a.eps == b.eps && a.affine == b.affine && a.track_running_stats == b.track_running_stats;
}
