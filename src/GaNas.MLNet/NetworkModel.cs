using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GaNas.Export;
using GaNas.Networks;
using GaNas.SearchSpaces;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.MLNet;

/// <summary>What a saved network needs besides its weights.</summary>
internal sealed record NetworkHeader(string Space, string Architecture, int Classes, int Channels, int CellsPerStage, int InputChannels,
    int Height, int Width, double[] Mean, double[] Std, string[] Labels);

/// <summary>
/// A trained network ready to score rows, and its serialised form: magic, format version, the SHA-256 of the
/// payload, then the payload: a JSON header (architecture, skeleton, input shape, normalisation, labels) and the
/// TorchSharp state dict. The bytes travel inside the saved ML.NET model as the value of a ValueMapping.
/// Loading checks the hash first (one changed byte is an error, never different predictions), then the header
/// against <see cref="TrainingFreeNasLimits"/> and against itself, before anything is allocated. Loaded networks
/// are cached by that hash together with their verified bytes, so a file cannot claim another model's identity, and the cache keeps at most
/// <see cref="CacheCapacity"/> networks (least recently used evicted).
/// </summary>
internal sealed class NetworkModel
{
    private static readonly byte[] Magic = "GANASNET"u8.ToArray();
    private const int Version = 2;
    private const int HashLength = 32;
    private const int PrefixLength = 8 + 4 + HashLength;
    private const int MaxHeaderLength = 1 << 20;

    /// <summary>Networks kept deserialised at once (one process rarely scores with more models than this).</summary>
    internal const int CacheCapacity = 8;

    private static readonly LinkedList<(string Key, byte[] Blob, NetworkModel Model)> Recent = new();
    private static readonly Dictionary<string, LinkedListNode<(string Key, byte[] Blob, NetworkModel Model)>> Cache = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly float[] _mean;
    private readonly float[] _std;

    private NetworkModel(NetworkHeader header, CellNetwork network)
    {
        Header = header;
        Network = network;
        network.eval();
        _scoring = new Lazy<CellNetwork>(() => FoldedCopy(header, network), LazyThreadSafetyMode.ExecutionAndPublication);
        _mean = header.Mean.Select(v => (float)v).ToArray();
        _std = header.Std.Select(v => (float)v).ToArray();
    }

    public NetworkHeader Header { get; }

    /// <summary>
    /// The network scoring runs: a copy of <see cref="Network"/> with its batch norms folded into the convolutions
    /// (<see cref="CellNetwork.FoldBatchNormForInference"/>), made at the first scoring; saving and ONNX export use <see cref="Network"/>.
    /// </summary>
    private readonly Lazy<CellNetwork> _scoring;

    /// <summary>The folded copy scoring runs (for tests).</summary>
    internal CellNetwork ScoringNetwork => _scoring.Value;

    private static CellNetwork FoldedCopy(NetworkHeader header, CellNetwork network)
    {
        CellNetwork copy = Build(header);
        var saved = new MemoryStream();
        network.save(saved);  // closes the stream; ToArray still reads it
        using (var weights = new MemoryStream(saved.ToArray())) copy.load(weights);
        copy.eval();
        copy.FoldBatchNormForInference();
        // Scoring runs channels-last (Forward); with one-channel images only the weights say so.
        MemoryLayout.StoreWeightsChannelsLast(copy);
        return copy;
    }

    private static CellNetwork Build(NetworkHeader header)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(header.Space);
        var options = new NetworkOptions { Classes = header.Classes, Channels = header.Channels, CellsPerStage = header.CellsPerStage, InputChannels = header.InputChannels };
        return space.BuildNetwork(space.Parse(header.Architecture), options);
    }

    public CellNetwork Network { get; }

    public int FeatureLength => Header.InputChannels * Header.Height * Header.Width;

    /// <summary>A freshly trained network (moved to the CPU for scoring); <see cref="ToBytes"/> caches it under its hash.</summary>
    public static NetworkModel Register(NetworkHeader header, CellNetwork network)
    {
        Validate(header);
        network.to(CPU);
        return new NetworkModel(header, network);
    }

    /// <summary>Serialises header and weights, with the SHA-256 of both.</summary>
    public byte[] ToBytes()
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(Header);
            writer.Write(json.Length);
            writer.Write(json);
        }
        lock (_gate) Network.save(payload);
        byte[] body = payload.ToArray();
        byte[] hash = SHA256.HashData(body);
        byte[] blob = [.. Magic, .. BitConverter.GetBytes(Version), .. hash, .. body];
        Remember(Convert.ToHexString(hash), blob, this);
        return blob;
    }

    /// <summary>The network of a serialised blob, from the cache when this process has loaded the same bytes.</summary>
    public static NetworkModel FromBytes(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Magic.Length + 4 || !blob[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("The model does not hold a GaNas network (bad magic): the file is corrupt or not a GaNas model.");
        int version = BitConverter.ToInt32(blob.Slice(Magic.Length, 4));
        if (version != Version)
            throw new InvalidDataException(version == 1
                ? "The GaNas network has format version 1 (saved by an earlier GaNas, without an integrity check); this build reads version 2 only: fit and save the model again."
                : $"The GaNas network has format version {version}; this build reads version {Version}.");
        if (blob.Length < PrefixLength + 4) throw new InvalidDataException("The GaNas network is truncated.");
        // Every row carries the blob: a blob byte-for-byte equal to one verified before is that network, found without
        // hashing it again; any other blob, whatever hash it claims, is hashed and checked.
        string key = Convert.ToHexString(blob.Slice(Magic.Length + 4, HashLength));
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var node) && blob.SequenceEqual(node.Value.Blob))
            {
                Recent.Remove(node);
                Recent.AddFirst(node);
                return node.Value.Model;
            }
        }
        ReadOnlySpan<byte> body = blob[PrefixLength..];
        if (!blob.Slice(Magic.Length + 4, HashLength).SequenceEqual(SHA256.HashData(body)))
            throw new InvalidDataException("The GaNas network fails its integrity check (SHA-256 of header and weights differs from the one stored): the model file is damaged or was altered.");
        NetworkModel model = Deserialize(body.ToArray());
        return Remember(key, blob.ToArray(), model);
    }

    /// <summary>Networks in the cache now.</summary>
    internal static int CachedCount
    {
        get { lock (Cache) return Cache.Count; }
    }

    private static NetworkModel Remember(string key, byte[] blob, NetworkModel model)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(key, out var existing))
            {
                Recent.Remove(existing);
                Recent.AddFirst(existing);
                return existing.Value.Model;
            }
            Cache[key] = Recent.AddFirst((key, blob, model));
            while (Cache.Count > CacheCapacity)
            {
                var last = Recent.Last!;
                Recent.RemoveLast();
                Cache.Remove(last.Value.Key);
            }
            return model;
        }
    }

    private static NetworkModel Deserialize(byte[] body)
    {
        try
        {
            using var stream = new MemoryStream(body);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            int length = reader.ReadInt32();
            if (length <= 0 || length > MaxHeaderLength || length > body.Length - 4)
                throw new InvalidDataException($"The GaNas network header claims {length} bytes; at most {MaxHeaderLength} and what the blob holds are allowed.");
            var header = JsonSerializer.Deserialize<NetworkHeader>(reader.ReadBytes(length))
                ?? throw new InvalidDataException("The GaNas network header is empty.");
            Validate(header);
            CellNetwork network = Build(header);
            network.load(stream);
            return new NetworkModel(header, network);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or JsonException or FormatException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"The GaNas network in the model is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Checks a header against the limits and against itself, so that nothing it claims can make loading allocate
    /// without bound or scoring divide by zero; throws naming the field.
    /// </summary>
    internal static void Validate(NetworkHeader h)
    {
        static InvalidDataException Bad(string field, object? value, string rule) => new($"The GaNas network header is invalid: {field} = {value ?? "null"}; {rule}.");
        if (h.Space is null || !SearchSpaceCatalog.Contains(h.Space))
            throw Bad("Space", h.Space, $"expected one of {string.Join(", ", SearchSpaceCatalog.Names)}");
        if (h.Architecture is null || h.Architecture.Length > 4096) throw Bad("Architecture", h.Architecture?.Length, "an architecture string of at most 4096 characters is expected");
        try
        {
            SearchSpaceCatalog.ByName(h.Space).Parse(h.Architecture);
        }
        catch (ArchitectureFormatException ex)
        {
            throw Bad("Architecture", h.Architecture, ex.Message);
        }
        if (h.Classes is < 2 or > TrainingFreeNasLimits.MaxClasses) throw Bad("Classes", h.Classes, $"2..{TrainingFreeNasLimits.MaxClasses}");
        if (h.Channels is < 1 or > TrainingFreeNasLimits.MaxChannels) throw Bad("Channels", h.Channels, $"1..{TrainingFreeNasLimits.MaxChannels}");
        if (h.CellsPerStage is < 0 or > TrainingFreeNasLimits.MaxCellsPerStage) throw Bad("CellsPerStage", h.CellsPerStage, $"0..{TrainingFreeNasLimits.MaxCellsPerStage}");
        if (h.InputChannels is not (1 or 3)) throw Bad("InputChannels", h.InputChannels, "1 or 3");
        if (h.Height is < 4 or > TrainingFreeNasLimits.MaxImageSide) throw Bad("Height", h.Height, $"4..{TrainingFreeNasLimits.MaxImageSide}");
        if (h.Width is < 4 or > TrainingFreeNasLimits.MaxImageSide) throw Bad("Width", h.Width, $"4..{TrainingFreeNasLimits.MaxImageSide}");
        if (h.Mean is null || h.Mean.Length != h.InputChannels) throw Bad("Mean", h.Mean?.Length, $"one value per input channel ({h.InputChannels})");
        if (h.Std is null || h.Std.Length != h.InputChannels) throw Bad("Std", h.Std?.Length, $"one value per input channel ({h.InputChannels})");
        if (h.Mean.Any(v => !double.IsFinite(v))) throw Bad("Mean", string.Join(",", h.Mean), "finite values");
        if (h.Std.Any(v => !(v > 0) || !double.IsFinite(v))) throw Bad("Std", string.Join(",", h.Std), "positive finite values");
        if (h.Labels is null || h.Labels.Length != h.Classes) throw Bad("Labels", h.Labels?.Length, $"one label per class ({h.Classes})");
        if (h.Labels.Any(l => l is null) || h.Labels.Distinct(StringComparer.Ordinal).Count() != h.Labels.Length) throw Bad("Labels", "(duplicates or nulls)", "distinct labels");
    }

    /// <summary>
    /// Writes the network as an ONNX model (<see cref="OnnxExporter"/>): raw pixels in at the header's input size, this
    /// model's normalisation inside the graph, probabilities out; labels and the architecture in the metadata.
    /// </summary>
    public void ExportOnnx(Stream destination)
    {
        var options = new OnnxExportOptions
        {
            Height = Header.Height, Width = Header.Width, Mean = Header.Mean, Std = Header.Std, Labels = Header.Labels,
            Metadata = new Dictionary<string, string>
            {
                ["search_space"] = Header.Space,
                ["architecture"] = Header.Architecture,
                ["channels"] = Header.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["cells_per_stage"] = Header.CellsPerStage.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["input_format"] = Header.InputChannels == 3 ? "float N x 3 x H x W, RGB planar, raw values 0-255" : "float N x 1 x H x W, grey (BT.601), raw values 0-255",
            },
        };
        lock (_gate) OnnxExporter.Export(Network, options, destination);
    }

    private static long _forwardPasses;

    /// <summary>Batches scored in this process by any network, a row alone counting as one (how many rows share one is what batched scoring is for).</summary>
    internal static long ForwardPasses => Interlocked.Read(ref _forwardPasses);

    /// <summary>Class probabilities of one image given as planar pixels in the training data's units.</summary>
    public float[] Predict(float[] pixels) => PredictBatch([pixels])[0];

    /// <summary>
    /// Class probabilities of several images (planar pixels in the training data's units): one forward pass, or one per
    /// lane side by side when the batch is large enough (<see cref="ScoringLanes"/>).
    /// </summary>
    public float[][] PredictBatch(IReadOnlyList<float[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return PredictBatch(images.Count, n => images[n], ScoringLanes.LaneCount(images.Count));
    }

    /// <summary>
    /// Class probabilities of <paramref name="count"/> images whose pixels <paramref name="pixelsOf"/>(row) gives (for
    /// instance by decoding them), over <paramref name="lanes"/> lanes (<see cref="ScoringLanes.LaneCount"/> of the thread
    /// with the configured thread count): each lane fetches its own rows, so decoding runs side by side too. A failure is the first
    /// failing row's.
    /// </summary>
    public float[][] PredictBatch(int count, Func<int, float[]> pixelsOf, int lanes)
    {
        ArgumentNullException.ThrowIfNull(pixelsOf);
        if (count == 0) return [];
        Interlocked.Increment(ref _forwardPasses);
        int classes = Header.Classes;
        lock (_gate)
        {
            float[][] chunks = ScoringLanes.Run(count, lanes, (start, rows) => Forward(Normalised(start, rows, pixelsOf), rows));
            return chunks.SelectMany(p => Enumerable.Range(0, p.Length / classes).Select(n => p.AsSpan(n * classes, classes).ToArray())).ToArray();
        }
    }

    private float[] Normalised(int start, int rows, Func<int, float[]> pixelsOf)
    {
        int length = FeatureLength, plane = Header.Height * Header.Width;
        var input = new float[rows * length];
        for (int n = 0; n < rows; n++)
        {
            float[] pixels = pixelsOf(start + n);
            if (pixels.Length != length)
                throw new InvalidDataException($"The features hold {pixels.Length} values; the network expects {Header.InputChannels}x{Header.Height}x{Header.Width} = {length}.");
            for (int c = 0; c < Header.InputChannels; c++)
            {
                float mean = _mean[c], inv = 1f / _std[c];
                for (int i = c * plane, end = i + plane; i < end; i++) input[n * length + i] = (pixels[i] - mean) * inv;
            }
        }
        return input;
    }

    private float[] Forward(float[] input, int count)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        // Channels-last: libtorch's oneDNN kernels keep that layout through the network (MemoryLayout).
        Tensor x = MemoryLayout.ToChannelsLast(tensor(input, [count, Header.InputChannels, Header.Height, Header.Width]));
        return nn.functional.softmax(_scoring.Value.call(x), 1).data<float>().ToArray();
    }
}
