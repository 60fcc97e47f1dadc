using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GaNas.Search;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Training;

/// <summary>
/// Where a training run stands after an epoch: the network's weights (batch-norm statistics included), the
/// optimizer's momentum buffers, the random generator's state, the best weights so far, the early-stopping state and
/// the curve. Written after every epoch to a temporary file and renamed (a kill never leaves a torn file), with the
/// SHA-256 of its contents and a fingerprint of the run (options, data sizes, a sample of the data, parameter shapes);
/// a resumed run continues from the next epoch and ends with the weights an uninterrupted run would have.
/// </summary>
internal sealed class TrainingCheckpoint
{
    private static readonly byte[] Magic = "GANASCKP"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private const int Version = 3;  // 3: MomentumSgd's buffers, the network's state by name (any memory layout)

    public required RunFingerprint Fingerprint { get; init; }
    public required int Epoch { get; init; }
    public required long Step { get; init; }
    public required double BestAccuracy { get; init; }
    public required int BestEpoch { get; init; }
    public required double PatienceBest { get; init; }
    public required int PatienceEpoch { get; init; }
    public required IReadOnlyList<EpochMetrics> Curve { get; init; }

    /// <summary>What must be equal for a checkpoint to be resumed: the options and the data's identity, as named fields.</summary>
    public static RunFingerprint FingerprintOf(TrainingOptions o, nn.Module<Tensor, Tensor> network, Tensor images, Tensor labels, long nValid, bool separate)
    {
        long n = images.shape[0];
        // A sample of 16 evenly spaced images stands for the data set (hashing every image would cost as much as an epoch).
        long[] sample = Enumerable.Range(0, (int)Math.Min(16, n)).Select(i => i * (n - 1) / Math.Max(1, Math.Min(16, n) - 1)).Distinct().ToArray();
        using Tensor index = tensor(sample);
        using Tensor picked = images.index_select(0, index);
        static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;
        var fields = new Dictionary<string, string>
        {
            ["epochs"] = Text(o.Epochs), ["batch_size"] = Text(o.BatchSize), ["learning_rate"] = Text(o.LearningRate), ["momentum"] = Text(o.Momentum),
            ["nesterov"] = Text(o.Nesterov), ["weight_decay"] = Text(o.WeightDecay), ["label_smoothing"] = Text(o.LabelSmoothing),
            ["crop_padding"] = Text(o.CropPadding), ["horizontal_flip"] = Text(o.HorizontalFlip), ["validation_fraction"] = Text(o.ValidationFraction),
            ["seed"] = Text(o.Seed), ["early_stopping_patience"] = Text(o.EarlyStoppingPatience), ["early_stopping_min_delta"] = Text(o.EarlyStoppingMinDelta),
            ["channels_last"] = Text(o.ChannelsLast), ["fuse_cell_edges"] = Text(o.FuseCellEdges), ["images"] = string.Join('x', images.shape), ["validation_rows"] = Text(nValid), ["separate_validation"] = Text(separate),
            ["parameters"] = string.Join(';', network.parameters().Select(p => string.Join('x', p.shape))),
            ["image_sample"] = RunFingerprint.HashOf(picked), ["labels"] = RunFingerprint.HashOf(labels),
            ["normalization"] = o.Normalization is null ? "" : string.Join(';', o.Normalization.Mean.Concat(o.Normalization.Std).Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        };
        // Lanes change the trained weights (batch norm); one lane, the path before lanes existed, keeps earlier checkpoints valid.
        if (o.Lanes > 1) fields["lanes"] = Text(o.Lanes);
        return new RunFingerprint(fields);
    }

    /// <summary>Writes the checkpoint atomically.</summary>
    public void Save(string path, nn.Module<Tensor, Tensor> network, MomentumSgd optimizer, Generator generator, Dictionary<string, Tensor>? best)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(new Header(Fingerprint.Fields.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), Epoch, Step, BestAccuracy, BestEpoch, PatienceBest, PatienceEpoch, Curve.ToList()), Json));
            using (Tensor state = generator.get_state()) state.Save(writer);
            optimizer.Save(writer);
            writer.Write(best is not null);
            if (best is not null)
            {
                writer.Write(best.Count);
                foreach (var (name, value) in best.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    writer.Write(name);
                    using Tensor cpu = value.cpu().contiguous();
                    cpu.Save(writer);
                }
            }
        }
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true)) WriteState(writer, network);
        byte[] body = payload.ToArray();
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp";
        using (var file = File.Create(temp))
        {
            file.Write(Magic);
            file.Write(BitConverter.GetBytes(Version));
            file.Write(SHA256.HashData(body));
            file.Write(body);
        }
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Reads a checkpoint into the network, optimizer and generator; refuses one that is damaged or belongs to
    /// another run (<paramref name="fingerprint"/>), naming the file.
    /// </summary>
    public static TrainingCheckpoint Load(string path, RunFingerprint fingerprint, nn.Module<Tensor, Tensor> network, MomentumSgd optimizer, Generator generator,
        Device device, out Dictionary<string, Tensor>? best)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int prefix = Magic.Length + 4 + 32;
        if (bytes.Length < prefix || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"Training checkpoint '{path}' is not a GaNas training checkpoint.");
        int version = BitConverter.ToInt32(bytes, Magic.Length);
        if (version != Version) throw new InvalidDataException($"Training checkpoint '{path}' has format version {version}; this build reads {Version}.");
        var body = new ReadOnlySpan<byte>(bytes, prefix, bytes.Length - prefix);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(Magic.Length + 4, 32)))
            throw new InvalidDataException($"Training checkpoint '{path}' fails its integrity check (SHA-256 mismatch): the file is damaged; delete it to start over.");
        try
        {
            using var stream = new MemoryStream(bytes, prefix, bytes.Length - prefix);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            Header header = JsonSerializer.Deserialize<Header>(reader.ReadString(), Json) ?? throw new InvalidDataException($"Training checkpoint '{path}' has no header.");
            if (header.Fingerprint is null) throw new InvalidDataException($"Training checkpoint '{path}' has no fingerprint.");
            if (fingerprint.DifferenceFrom(new RunFingerprint(header.Fingerprint)) is { } difference)
                throw new InvalidDataException($"Training checkpoint '{path}' belongs to another training run: {difference}. Delete it or choose another checkpoint path.");
            using (Tensor state = TensorExtensionMethods.Load(reader)) generator.set_state(state);
            try
            {
                optimizer.Load(reader);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"Training checkpoint '{path}' is corrupt: {ex.Message}", ex);
            }
            best = null;
            if (reader.ReadBoolean())
            {
                int count = reader.ReadInt32();
                best = new Dictionary<string, Tensor>(count);
                for (int i = 0; i < count; i++)
                {
                    string name = reader.ReadString();
                    using Tensor value = TensorExtensionMethods.Load(reader);
                    best[name] = value.to(device).DetachFromDisposeScope();
                }
            }
            ReadState(reader, network, path);
            return new TrainingCheckpoint
            {
                Fingerprint = fingerprint, Epoch = header.Epoch, Step = header.Step, BestAccuracy = header.BestAccuracy, BestEpoch = header.BestEpoch,
                PatienceBest = header.PatienceBest, PatienceEpoch = header.PatienceEpoch, Curve = header.Curve,
            };
        }
        catch (Exception ex) when (ex is EndOfStreamException or JsonException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"Training checkpoint '{path}' is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The network's state (parameters and buffers) by name, each tensor written contiguous: the same bytes whatever the
    /// training's memory layout (a channels-last weight is stored as its NCHW values).
    /// </summary>
    private static void WriteState(BinaryWriter writer, nn.Module<Tensor, Tensor> network)
    {
        var state = network.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        writer.Write(state.Count);
        foreach (var (name, value) in state)
        {
            writer.Write(name);
            using Tensor cpu = value.detach().cpu().contiguous();
            cpu.Save(writer);
        }
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote into the network's own tensors (their layout and device kept); every name and shape must match.</summary>
    private static void ReadState(BinaryReader reader, nn.Module<Tensor, Tensor> network, string path)
    {
        Dictionary<string, Tensor> state = network.state_dict();
        int count = reader.ReadInt32();
        if (count != state.Count) throw new InvalidDataException($"Training checkpoint '{path}' holds {count} network tensors; the network has {state.Count}.");
        using var noGrad = no_grad();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            if (!state.TryGetValue(name, out Tensor? target)) throw new InvalidDataException($"Training checkpoint '{path}' holds network tensor '{name}', which the network does not have.");
            using Tensor value = TensorExtensionMethods.Load(reader);
            if (!value.shape.SequenceEqual(target.shape) || value.dtype != target.dtype)
                throw new InvalidDataException($"Training checkpoint '{path}': network tensor '{name}' is {value.dtype} [{string.Join(", ", value.shape)}]; the network's is {target.dtype} [{string.Join(", ", target.shape)}].");
            target.copy_(value);
        }
    }

    private sealed record Header(Dictionary<string, string>? Fingerprint, int Epoch, long Step, double BestAccuracy, int BestEpoch, double PatienceBest, int PatienceEpoch, List<EpochMetrics> Curve);
}
