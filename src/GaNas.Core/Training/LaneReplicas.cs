using GaNas.Networks;
using GaNas.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Training;

/// <summary>
/// Data-parallel training of one batch on <see cref="TorchLanes"/> (<see cref="TrainingOptions.Lanes"/>): lane 0 trains
/// the network itself, every other lane a replica of it. Each lane runs the forward and backward pass of its part of
/// the batch; the network's gradient becomes the parts' gradients weighted by their share of the batch, summed in lane
/// order (so the same seed gives the same step however the lanes are scheduled). After the optimiser's step the
/// replicas copy the network's parameters. Each lane's batch norms keep their own running statistics, which
/// <see cref="SyncBuffers"/> averages into the network (their updates are linear, so one average per epoch equals
/// one per step).
/// </summary>
internal sealed class LaneReplicas : IDisposable
{
    private readonly nn.Module<Tensor, Tensor>[] _networks;  // [0] is the trained network
    private readonly Tensor[][] _parameters;                  // per lane, in the network's named order
    private readonly Tensor[][] _statistics;                  // per lane: the floating-point buffers (running mean, variance)
    private Scalar[] _shares = [];                            // each part's share of the batch, for batches of _sharesOf images
    private long _sharesOf;

    private LaneReplicas(nn.Module<Tensor, Tensor>[] networks)
    {
        _networks = networks;
        string[] names = networks[0].named_parameters().Select(p => p.name).ToArray();
        string[] buffers = networks[0].named_buffers().Where(b => b.buffer.is_floating_point()).Select(b => b.name).ToArray();
        _parameters = networks.Select(n => { var byName = n.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter); return names.Select(x => byName[x]).ToArray(); }).ToArray();
        _statistics = networks.Select(n => { var byName = n.named_buffers().ToDictionary(b => b.name, b => b.buffer); return buffers.Select(x => byName[x]).ToArray(); }).ToArray();
    }

    /// <summary>Lanes, the network's own included.</summary>
    public int Count => _networks.Length;

    /// <summary>
    /// Replicas of <paramref name="cells"/> (checked by <see cref="Replicable"/>) for <paramref name="lanes"/> lanes, each
    /// prepared by <paramref name="prepare"/> as the network was (memory layout) and running its cell edges fused as the
    /// network's cells do.
    /// </summary>
    public static LaneReplicas Create(CellNetwork cells, int lanes, Action<CellNetwork> prepare)
    {
        var networks = new nn.Module<Tensor, Tensor>[lanes];
        networks[0] = cells;
        try
        {
            for (int k = 1; k < lanes; k++)
            {
                CellNetwork replica = cells.Replicate();
                networks[k] = replica;
                prepare(replica);
                // Each replica cell runs its edges as the network's does (fused or not).
                foreach (var (mine, its) in cells.modules().OfType<InferCell>().Zip(replica.modules().OfType<InferCell>())) its.FuseEdges = mine.FuseEdges;
            }
            return new LaneReplicas(networks);
        }
        catch
        {
            for (int k = 1; k < lanes; k++) networks[k]?.Dispose();
            throw;
        }
    }

    /// <summary>The network as a <see cref="CellNetwork"/> that can be replicated, or an exception saying why not.</summary>
    public static CellNetwork Replicable(nn.Module<Tensor, Tensor> network, int lanes)
    {
        if (network is not CellNetwork cells)
            throw new ArgumentException($"Training on {lanes} lanes replicates the network, which needs a {nameof(CellNetwork)}; got {network.GetType().Name}. Set Lanes = 1.", nameof(network));
        if (cells.IsFoldedForInference)
            throw new ArgumentException("A network with folded batch norms is for scoring only and cannot be trained.", nameof(network));
        return cells;
    }

    /// <summary>Sets every lane's network to training or evaluation mode.</summary>
    public void Train(bool on)
    {
        foreach (var n in _networks) n.train(on);
    }

    /// <summary>
    /// Forward and backward passes of <paramref name="x"/> and <paramref name="y"/>, split over the lanes in consecutive
    /// parts; leaves the combined gradient in the network's parameters. Returns the summed loss (each part's mean loss
    /// times its size) and the count of correct predictions.
    /// </summary>
    public (double LossSum, long Correct) Backward(Tensor x, Tensor y, double labelSmoothing)
    {
        long n = x.shape[0];
        var parts = new (Tensor X, Tensor Y, long Size)[Count];
        for (int k = 0; k < Count; k++)
        {
            var (start, size) = TorchLanes.Part(n, Count, k);
            parts[k] = (x.narrow(0, start, size), y.narrow(0, start, size), size);
        }
        var results = TorchLanes.Run(Count, k =>
        {
            using var scope = NewDisposeScope();
            var network = _networks[k];
            network.zero_grad();
            Tensor logits = network.call(parts[k].X);
            Tensor loss = nn.functional.cross_entropy(logits, parts[k].Y, label_smoothing: labelSmoothing);
            loss.backward();
            return (Loss: loss.ToDouble() * parts[k].Size, Correct: logits.argmax(1).eq(parts[k].Y).sum().item<long>());
        });
        Scalar[] shares = SharesOf(n);
        using (no_grad())
        {
            for (int p = 0; p < _parameters[0].Length; p++)
            {
                Tensor? total = _parameters[0][p].grad;
                if (total is null) continue;
                total.mul_(shares[0]);
                for (int k = 1; k < Count; k++)
                {
                    if (_parameters[k][p].grad is { } part) total.add_(part, alpha: shares[k]);
                }
            }
        }
        return (results.Sum(r => r.Loss), results.Sum(r => r.Correct));
    }

    /// <summary>Each lane's share of a batch of <paramref name="n"/> images, made once per batch size (every batch but none has the same).</summary>
    private Scalar[] SharesOf(long n)
    {
        if (_sharesOf == n) return _shares;
        foreach (Scalar share in _shares) share.Dispose();
        _shares = Enumerable.Range(0, Count).Select(k => ((double)TorchLanes.Part(n, Count, k).Count / n).ToScalar()).ToArray();
        _sharesOf = n;
        return _shares;
    }

    /// <summary>Copies the network's parameters (after the optimiser's step) into every replica.</summary>
    public void CopyParameters()
    {
        using var noGrad = no_grad();
        for (int k = 1; k < Count; k++)
        {
            for (int p = 0; p < _parameters[0].Length; p++) _parameters[k][p].copy_(_parameters[0][p]);
        }
    }

    /// <summary>Averages the lanes' batch-norm running statistics into the network, and gives the replicas the average.</summary>
    public void SyncBuffers()
    {
        if (Count == 1) return;
        using var noGrad = no_grad();
        using Scalar lanes = ((double)Count).ToScalar();
        for (int b = 0; b < _statistics[0].Length; b++)
        {
            Tensor mean = _statistics[0][b];
            for (int k = 1; k < Count; k++) mean.add_(_statistics[k][b]);
            mean.div_(lanes);
            for (int k = 1; k < Count; k++) _statistics[k][b].copy_(mean);
        }
    }

    /// <summary>Disposes the replicas (not the network).</summary>
    public void Dispose()
    {
        foreach (Scalar share in _shares) share.Dispose();
        for (int k = 1; k < _networks.Length; k++) _networks[k].Dispose();
    }
}
