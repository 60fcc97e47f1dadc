using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using GaNas.Networks;
using Onnx;

namespace GaNas.Export;

/// <summary>
/// Writes a <see cref="CellNetwork"/> as a standard ONNX model (IR 8, opset 13) that runs on ONNX Runtime without GaNas:
/// input <c>input</c>, float N x C x H x W of raw pixel values 0-255 (RGB planar, or grey); the normalisation
/// <c>(x - mean) / std</c> inside the graph; the network in inference form (batch norm as BatchNormalization with its
/// running statistics); output <c>probabilities</c>, N x classes, a softmax. Class names are in the metadata as
/// <c>labels</c>. The export of one network is deterministic (same weights, same bytes).
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opset the exported graph declares.</summary>
    public const int Opset = 13;

    /// <summary>Name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>Name of the graph's output.</summary>
    public const string OutputName = "probabilities";

    /// <summary>Writes the ONNX model of <paramref name="network"/> to <paramref name="destination"/>.</summary>
    public static void Export(CellNetwork network, OnnxExportOptions options, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(destination);
        ToModel(network, options).WriteTo(destination);
    }

    /// <summary>The ONNX model of <paramref name="network"/> as bytes.</summary>
    public static byte[] ToBytes(CellNetwork network, OnnxExportOptions options)
    {
        using var stream = new MemoryStream();
        Export(network, options, stream);
        return stream.ToArray();
    }

    private static ModelProto ToModel(CellNetwork network, OnnxExportOptions options)
    {
        int channels = network.Options.InputChannels, classes = network.Options.Classes;
        if (options.Height < 1 || options.Width < 1) throw new ArgumentException($"The input size must be positive, not {options.Height}x{options.Width}.", nameof(options));
        if (options.Mean.Count != channels || options.Std.Count != channels)
            throw new ArgumentException($"Mean and Std need one value per input channel ({channels}); got {options.Mean.Count} and {options.Std.Count}.", nameof(options));
        if (options.Std.Any(s => !(s > 0) || !double.IsFinite(s)) || options.Mean.Any(m => !double.IsFinite(m)))
            throw new ArgumentException("Mean must be finite and Std positive and finite.", nameof(options));
        if (options.Labels.Count != classes)
            throw new ArgumentException($"Labels need one name per class ({classes}); got {options.Labels.Count}.", nameof(options));

        var graph = new OnnxGraph();
        bool wasTraining = network.training;
        network.eval();
        try
        {
            string mean = graph.Initializer("mean", options.Mean.Select(v => (float)v).ToArray(), 1, channels, 1, 1);
            string std = graph.Initializer("std", options.Std.Select(v => (float)v).ToArray(), 1, channels, 1, 1);
            string x = graph.Node("Div", [graph.Node("Sub", [InputName, mean]), std]);
            string logits = graph.Module(network, x);
            graph.Node("Softmax", [logits], [OnnxGraph.Int("axis", 1)], OutputName);
        }
        finally
        {
            network.train(wasTraining);
        }
        graph.Proto.Input.Add(Tensor(InputName, "N", channels, options.Height, options.Width));
        graph.Proto.Output.Add(Tensor(OutputName, "N", classes));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "GaNas",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            DocString = "GaNas network: input float N x C x H x W of raw pixel values 0-255; output class probabilities.",
            Graph = graph.Proto,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "labels", Value = JsonSerializer.Serialize(options.Labels) });
        foreach (var (key, value) in options.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (key == "labels") throw new ArgumentException("The metadata key 'labels' is reserved for the class names.", nameof(options));
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        return model;
    }

    private static ValueInfoProto Tensor(string name, string batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
