using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using GaNas.Networks;
using GaNas.SearchSpaces;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.MLNet;

/// <summary>What a saved network needs besides its weights.</summary>
internal sealed record NetworkHeader(string Space, string Architecture, int Classes, int Channels, int CellsPerStage, int InputChannels,
    int Height, int Width, double[] Mean, double[] Std, string[] Labels);

/// <summary>
/// A trained network ready to score rows, and its serialised form: magic, version, model id, a JSON
/// header (architecture, skeleton, input shape, normalisation, labels) and the TorchSharp state dict.
/// The bytes travel inside the saved ML.NET model as the value of a ValueMapping; loaded networks are
/// cached by model id, so each is deserialised once per process.
/// </summary>
internal sealed class NetworkModel
{
    private static readonly byte[] Magic = "GANASNET"u8.ToArray();
    private const int Version = 1;
    private static readonly ConcurrentDictionary<Guid, NetworkModel> Cache = new();
    private readonly object _gate = new();
    private readonly float[] _mean;
    private readonly float[] _std;

    private NetworkModel(Guid id, NetworkHeader header, CellNetwork network)
    {
        Id = id;
        Header = header;
        Network = network;
        network.eval();
        _mean = header.Mean.Select(v => (float)v).ToArray();
        _std = header.Std.Select(v => (float)v).ToArray();
    }

    public Guid Id { get; }

    public NetworkHeader Header { get; }

    public CellNetwork Network { get; }

    public int FeatureLength => Header.InputChannels * Header.Height * Header.Width;

    /// <summary>Registers a freshly trained network (it is moved to the CPU for scoring).</summary>
    public static NetworkModel Register(NetworkHeader header, CellNetwork network)
    {
        network.to(CPU);
        var model = new NetworkModel(Guid.NewGuid(), header, network);
        Cache[model.Id] = model;
        return model;
    }

    /// <summary>Serialises header and weights.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(Id.ToByteArray());
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(Header);
            writer.Write(json.Length);
            writer.Write(json);
        }
        lock (_gate) Network.save(stream);
        return stream.ToArray();
    }

    /// <summary>The network of a serialised blob, from the cache when this process has seen it.</summary>
    public static NetworkModel FromBytes(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Magic.Length + 4 + 16 + 4 || !blob[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("The model does not hold a GaNas network (bad magic): the file is corrupt or not a GaNas model.");
        var id = new Guid(blob.Slice(Magic.Length + 4, 16));
        if (Cache.TryGetValue(id, out NetworkModel? cached)) return cached;
        byte[] copy = blob.ToArray();
        return Cache.GetOrAdd(id, _ => Deserialize(copy));
    }

    private static NetworkModel Deserialize(byte[] blob)
    {
        try
        {
            using var stream = new MemoryStream(blob);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            reader.ReadBytes(Magic.Length);
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"The GaNas network has format version {version}; this build reads version {Version}.");
            var id = new Guid(reader.ReadBytes(16));
            int length = reader.ReadInt32();
            if (length <= 0 || length > blob.Length) throw new InvalidDataException("The GaNas network header is corrupt.");
            var header = JsonSerializer.Deserialize<NetworkHeader>(reader.ReadBytes(length))
                ?? throw new InvalidDataException("The GaNas network header is empty.");
            ISearchSpace space = SearchSpaceCatalog.ByName(header.Space);
            var options = new NetworkOptions { Classes = header.Classes, Channels = header.Channels, CellsPerStage = header.CellsPerStage, InputChannels = header.InputChannels };
            CellNetwork network = space.BuildNetwork(space.Parse(header.Architecture), options);
            network.load(stream);
            return new NetworkModel(id, header, network);
        }
        catch (Exception ex) when (ex is EndOfStreamException or ArgumentException or JsonException or FormatException or IOException)
        {
            throw new InvalidDataException($"The GaNas network in the model is corrupt: {ex.Message}", ex);
        }
    }

    /// <summary>Class probabilities of one image given as planar pixels in the training data's units.</summary>
    public float[] Predict(ReadOnlySpan<float> pixels)
    {
        if (pixels.Length != FeatureLength)
            throw new InvalidDataException($"The features hold {pixels.Length} values; the network expects {Header.InputChannels}x{Header.Height}x{Header.Width} = {FeatureLength}.");
        var input = new float[pixels.Length];
        int plane = Header.Height * Header.Width;
        for (int c = 0; c < Header.InputChannels; c++)
        {
            float mean = _mean[c], inv = 1f / _std[c];
            for (int i = c * plane, end = i + plane; i < end; i++) input[i] = (pixels[i] - mean) * inv;
        }
        lock (_gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = inference_mode(true);
            Tensor x = tensor(input, [1, Header.InputChannels, Header.Height, Header.Width]);
            Tensor p = nn.functional.softmax(Network.call(x), 1);
            return p.data<float>().ToArray();
        }
    }
}

/// <summary>Test access to the network deserialiser.</summary>
internal static class NetworkModelProbe
{
    public static object Load(byte[] bytes) => NetworkModel.FromBytes(bytes);
}
