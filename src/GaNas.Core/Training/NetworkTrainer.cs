using GaNas.Networks;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Training;

/// <summary>
/// Trains a classifier on in-memory images (normalised float32, or raw pixels normalised batch by batch). Batches are gathered with tensor indexing and
/// augmented with tensor operations (no per-pixel managed loops); every batch runs in a dispose scope.
/// </summary>
public static class NetworkTrainer
{
    /// <summary>
    /// Trains <paramref name="network"/> in place and leaves it with the best validation weights. Validation uses
    /// <paramref name="validationImages"/> when given (all of <paramref name="images"/> then trains), else a
    /// <see cref="TrainingOptions.ValidationFraction"/> split of <paramref name="images"/>.
    /// </summary>
    /// <param name="network">The network (its parameters are updated).</param>
    /// <param name="images">N x C x H x W training images: float32 normalised, or raw (e.g. uint8) with <see cref="TrainingOptions.Normalization"/> set.</param>
    /// <param name="labels">N int64 class indices.</param>
    /// <param name="options">Training options.</param>
    /// <param name="device">Device to train on.</param>
    /// <param name="progress">Receives each epoch's metrics.</param>
    /// <param name="validationImages">M x C x H x W validation images in the training images' form, or null.</param>
    /// <param name="validationLabels">M int64 class indices, or null.</param>
    /// <param name="ct">Stops training after the current batch; the best weights so far are kept.</param>
    public static TrainingReport Train(nn.Module<Tensor, Tensor> network, Tensor images, Tensor labels, TrainingOptions options,
        Device? device = null, IProgress<EpochMetrics>? progress = null, Tensor? validationImages = null, Tensor? validationLabels = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        long n = images.shape[0];
        if (labels.shape[0] != n) throw new ArgumentException($"{n} images but {labels.shape[0]} labels.", nameof(labels));
        if ((validationImages is null) != (validationLabels is null)) throw new ArgumentException("Pass both validation images and labels, or neither.", nameof(validationLabels));
        if (validationImages is not null && validationLabels!.shape[0] != validationImages.shape[0])
            throw new ArgumentException($"{validationImages.shape[0]} validation images but {validationLabels.shape[0]} labels.", nameof(validationLabels));
        CellNetwork? replicable = options.Lanes > 1 ? LaneReplicas.Replicable(network, options.Lanes) : null;  // refused before the network is touched
        device ??= CPU;
        var watch = Stopwatch.StartNew();
        using var generator = new Generator((ulong)(uint)options.Seed + 17);
        using var permutation = randperm(n, generator: generator);
        bool separate = validationImages is not null;
        long nValid = separate ? validationImages!.shape[0] : (long)Math.Floor(n * options.ValidationFraction);
        long nTrain = separate ? n : n - nValid;
        if (nTrain < 2) throw new ArgumentException($"{n} images leave too few for training after a {options.ValidationFraction:P0} validation split.");
        using Tensor trainIndex = permutation.narrow(0, 0, nTrain);
        using Tensor validIndex = separate ? arange(nValid) : permutation.narrow(0, nTrain, nValid);
        Tensor validImages = separate ? validationImages! : images;
        Tensor validLabels = separate ? validationLabels! : labels;
        int stepsPerEpoch = (int)Math.Max(1, nTrain / options.BatchSize); // the last partial batch is dropped (batch norm)
        int epochs = options.Epochs;
        int? timeLimited = null;
        long totalSteps = (long)stepsPerEpoch * epochs;

        network.to(device);
        if (options.ChannelsLast) MemoryLayout.StoreWeightsChannelsLast(network);
        InferCell[] fused = options.FuseCellEdges ? network.modules().OfType<InferCell>().Where(c => !c.FuseEdges).ToArray() : [];
        foreach (InferCell cell in fused) cell.FuseEdges = true;
        var optimizer = new MomentumSgd(network.parameters(), options.Momentum, options.WeightDecay, options.Nesterov && options.Momentum > 0);
        var curve = new List<EpochMetrics>();
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity;
        int bestEpoch = 0;
        long step = 0;
        bool completed = true, stoppedEarly = false;
        double patienceBest = double.NegativeInfinity;
        int patienceEpoch = 0, firstEpoch = 1;
        GaNas.Search.RunFingerprint? fingerprint = options.CheckpointPath is null ? null : TrainingCheckpoint.FingerprintOf(options, network, images, labels, nValid, separate);
        if (options.CheckpointPath is not null && File.Exists(options.CheckpointPath))
        {
            var resumed = TrainingCheckpoint.Load(options.CheckpointPath, fingerprint!, network, optimizer, generator, device, out best);
            (firstEpoch, step, bestAccuracy, bestEpoch, patienceBest, patienceEpoch) = (resumed.Epoch + 1, resumed.Step, resumed.BestAccuracy, resumed.BestEpoch, resumed.PatienceBest, resumed.PatienceEpoch);
            curve.AddRange(resumed.Curve);
            stoppedEarly = resumed.Epoch < options.Epochs && options.EarlyStoppingPatience > 0 && nValid > 0 && resumed.Epoch - patienceEpoch >= options.EarlyStoppingPatience;
        }
        LaneReplicas? lanes = null;
        try
        {
            // Replicas copy the network as it is now, after a checkpoint's weights and running statistics were loaded.
            if (replicable is not null)
            {
                lanes = LaneReplicas.Create(replicable, options.Lanes, replica =>
                {
                    if (options.ChannelsLast) MemoryLayout.StoreWeightsChannelsLast(replica);
                });
            }
            for (int epoch = firstEpoch; epoch <= epochs && completed && !stoppedEarly; epoch++)
            {
                var epochWatch = Stopwatch.StartNew();
                network.train();
                lanes?.Train(true);
                using var shuffle = randperm(nTrain, generator: generator);
                using var order = trainIndex.index_select(0, shuffle);
                double lossSum = 0;
                long correct = 0, seen = 0;
                double lr = options.LearningRate;
                for (int b = 0; b < stepsPerEpoch; b++)
                {
                    if (ct.IsCancellationRequested) { completed = false; break; }
                    lr = 0.5 * options.LearningRate * (1 + Math.Cos(Math.PI * step / totalSteps));
                    using var scope = NewDisposeScope();
                    Tensor idx = order.narrow(0, (long)b * options.BatchSize, options.BatchSize);
                    Tensor x = Augment(InputNormalization.Prepare(images.index_select(0, idx), options.Normalization), options, generator).to(device);
                    if (options.ChannelsLast) x = MemoryLayout.ToChannelsLast(x);
                    Tensor y = labels.index_select(0, idx).to(device);
                    if (lanes is null)
                    {
                        optimizer.ZeroGrad();
                        Tensor logits = network.call(x);
                        Tensor loss = nn.functional.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
                        loss.backward();
                        optimizer.Step(lr);
                        lossSum += loss.item<float>() * options.BatchSize;
                        correct += logits.argmax(1).eq(y).sum().item<long>();
                    }
                    else
                    {
                        var (batchLoss, batchCorrect) = lanes.Backward(x, y, options.LabelSmoothing);
                        optimizer.Step(lr);
                        lanes.CopyParameters();
                        lossSum += batchLoss;
                        correct += batchCorrect;
                    }
                    seen += options.BatchSize;
                    step++;
                }
                lanes?.SyncBuffers();
                if (seen == 0) break;
                double validAccuracy = nValid > 0 ? Accuracy(network, validImages, validLabels, validIndex, device, options.Normalization, options.ChannelsLast) : double.NaN;
                var metrics = new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, validAccuracy, lr, epochWatch.Elapsed.TotalSeconds);
                curve.Add(metrics);
                double key = nValid > 0 ? validAccuracy : epoch;
                if (key > bestAccuracy)
                {
                    bestAccuracy = key;
                    bestEpoch = epoch;
                    Dispose(best);
                    best = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
                }
                if (nValid > 0 && options.EarlyStoppingPatience > 0)
                {
                    if (validAccuracy > patienceBest + options.EarlyStoppingMinDelta)
                    {
                        patienceBest = validAccuracy;
                        patienceEpoch = epoch;
                    }
                    else if (epoch - patienceEpoch >= options.EarlyStoppingPatience && epoch < epochs)
                    {
                        stoppedEarly = true;
                    }
                }
                if (options.TimeBudget is { } budget && completed && epoch < epochs)
                {
                    double perEpoch = watch.Elapsed.TotalSeconds / (epoch - firstEpoch + 1);
                    int fit = epoch + (int)Math.Floor((budget.TotalSeconds - watch.Elapsed.TotalSeconds) / perEpoch);
                    if (fit < epochs)
                    {
                        epochs = Math.Max(epoch, fit);
                        timeLimited = epochs;
                        totalSteps = (long)stepsPerEpoch * epochs;  // the cosine schedule now ends at the new last epoch
                    }
                }
                if (options.CheckpointPath is not null && completed)
                {
                    new TrainingCheckpoint
                    {
                        Fingerprint = fingerprint!, Epoch = epoch, Step = step, BestAccuracy = bestAccuracy, BestEpoch = bestEpoch,
                        PatienceBest = patienceBest, PatienceEpoch = patienceEpoch, Curve = curve,
                    }.Save(options.CheckpointPath, network, optimizer, generator, best);
                }
                // Reported once the epoch is in the checkpoint: a process killed after seeing it resumes after this epoch.
                progress?.Report(metrics);
            }
            if (best is not null) network.load_state_dict(best);
        }
        finally
        {
            lanes?.Dispose();
            Dispose(best);
            optimizer.Dispose();
            if (options.ChannelsLast) StoreContiguous(network);
            foreach (InferCell cell in fused) cell.FuseEdges = false;
        }
        network.eval();
        return new TrainingReport(curve, bestEpoch, nValid > 0 && bestEpoch > 0 ? bestAccuracy : double.NaN, watch.Elapsed.TotalSeconds, completed, stoppedEarly, timeLimited);
    }

    /// <summary>Accuracy of a network on the images at <paramref name="indices"/> (eval mode, batches of 512), normalised by <paramref name="normalization"/> when given.</summary>
    public static double Accuracy(nn.Module<Tensor, Tensor> network, Tensor images, Tensor labels, Tensor indices, Device? device = null, InputNormalization? normalization = null, bool channelsLast = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(indices);
        device ??= CPU;
        network.eval();
        long n = indices.shape[0], correct = 0;
        using var noGrad = no_grad();
        for (long start = 0; start < n; start += 512)
        {
            using var scope = NewDisposeScope();
            Tensor idx = indices.narrow(0, start, Math.Min(512, n - start));
            Tensor x = InputNormalization.Prepare(images.index_select(0, idx), normalization).to(device);
            Tensor logits = network.call(channelsLast ? MemoryLayout.ToChannelsLast(x) : x);
            correct += logits.argmax(1).eq(labels.index_select(0, idx).to(device)).sum().item<long>();
        }
        return n == 0 ? double.NaN : (double)correct / n;
    }

    /// <summary>Random crop with zero padding and random horizontal flip, done with tensor operations.</summary>
    public static Tensor Augment(Tensor batch, TrainingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        Tensor x = batch;
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        int p = options.CropPadding;
        if (p > 0)
        {
            Tensor padded = nn.functional.pad(x, [p, p, p, p]);
            Tensor offsets = randint(0, 2 * p + 1, [b, 2], generator: generator);
            long[] o = offsets.data<long>().ToArray();
            // Gather each image's window: rows dy..dy+h, columns dx..dx+w, through flat indices.
            Tensor rows = arange(h).unsqueeze(0).add(tensor(Enumerable.Range(0, (int)b).Select(i => o[2 * i]).ToArray()).unsqueeze(1), GaNas.Runtime.Scalars.One); // b x h
            Tensor cols = arange(w).unsqueeze(0).add(tensor(Enumerable.Range(0, (int)b).Select(i => o[2 * i + 1]).ToArray()).unsqueeze(1), GaNas.Runtime.Scalars.One); // b x w
            using Scalar pw = (w + 2 * p).ToScalar();
            Tensor flat = rows.unsqueeze(2).mul(pw).add(cols.unsqueeze(1), GaNas.Runtime.Scalars.One).flatten(1); // b x (h*w)
            long c = x.shape[1];
            Tensor gathered = padded.flatten(2).gather(2, flat.unsqueeze(1).expand(b, c, h * w));
            x = gathered.view(b, c, h, w);
        }
        if (options.HorizontalFlip)
        {
            using Scalar half = 0.5.ToScalar();
            Tensor flip = rand([b], generator: generator).lt(half).view(b, 1, 1, 1);
            x = where(flip, x.flip(3), x);
        }
        return x;
    }

    /// <summary>
    /// Stores every convolution's weight channels-last, so that the convolutions compute channels-last even where the
    /// activation's layout is ambiguous (a one-channel image is stored alike in both).
    /// </summary>
    /// <summary>Gives every convolution back a contiguous (NCHW) weight, as saving a module needs.</summary>
    private static void StoreContiguous(nn.Module network)
    {
        using var noGrad = no_grad();
        foreach (var module in network.modules())
        {
            if (module is Conv2d conv && conv.weight is { } weight && !weight.is_contiguous())
                conv.weight = new Parameter(weight.contiguous(), requires_grad: weight.requires_grad);
        }
    }

    private static void Dispose(Dictionary<string, Tensor>? state)
    {
        if (state is null) return;
        foreach (Tensor t in state.Values) t.Dispose();
    }
}
