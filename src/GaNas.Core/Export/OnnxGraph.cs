using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Export;

/// <summary>
/// An ONNX graph under construction: nodes in execution order, weights as float32 initializers, value names made
/// unique by a counter (so the same network always exports the same bytes). Maps libtorch's modules to ONNX
/// operators (opset 13); project modules map themselves through <see cref="IOnnxExportable"/>.
/// </summary>
internal sealed class OnnxGraph
{
    private int _next;

    public GraphProto Proto { get; } = new() { Name = "ganas" };

    /// <summary>Appends one node; returns its output's name (<paramref name="output"/>, or a fresh one).</summary>
    public string Node(string op, IEnumerable<string> inputs, IEnumerable<AttributeProto>? attributes = null, string? output = null)
    {
        output ??= Fresh(op);
        var node = new NodeProto { OpType = op, Name = $"{op}_{_next++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (attributes is not null) node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return output;
    }

    /// <summary>A float32 initializer with the values of <paramref name="tensor"/> (any dtype or device).</summary>
    public string Initializer(string hint, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        Tensor values = tensor.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
        return Initializer(hint, values.data<float>().ToArray(), values.shape);
    }

    /// <summary>A float32 initializer of the given shape.</summary>
    public string Initializer(string hint, float[] values, params long[] dims)
    {
        string name = Fresh(hint);
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        proto.Dims.AddRange(dims);
        Proto.Initializer.Add(proto);
        return name;
    }

    /// <summary>The nodes of any module of a GaNas network.</summary>
    public string Module(nn.Module module, string input) => module switch
    {
        IOnnxExportable own => own.ToOnnx(this, input),
        Sequential sequential => sequential.children().Aggregate(input, (x, child) => Module(child, x)),
        Identity => input,
        ReLU => Node("Relu", [input]),
        Conv2d conv => Conv(conv, input),
        TorchSharp.Modules.BatchNorm norm => BatchNorm(norm, input),
        AvgPool2d pool => AveragePool(input, pool.kernel_size, pool.stride, pool.padding, pool.count_include_pad, pool.ceil_mode),
        Linear linear => Node("Gemm", linear.bias is null
            ? [input, Initializer("weight", linear.weight!)]
            : [input, Initializer("weight", linear.weight!), Initializer("bias", linear.bias)], [Int("transB", 1)]),
        _ => throw new NotSupportedException($"ONNX export has no mapping for the module {module.GetType().Name} ({module.GetName()})."),
    };

    /// <summary>An average pool over square or rectangular windows.</summary>
    public string AveragePool(string input, long[] kernel, long[]? stride, long[]? padding, bool countIncludePad, bool ceilMode)
    {
        long[] k = Pair(kernel, 1);
        long[] s = stride is { Length: > 0 } ? Pair(stride, 1) : k;
        long[] p = Pair(padding ?? [0], 0);
        return Node("AveragePool", [input],
            [Ints("kernel_shape", k), Ints("strides", s), Ints("pads", [p[0], p[1], p[0], p[1]]), Int("count_include_pad", countIncludePad ? 1 : 0), Int("ceil_mode", ceilMode ? 1 : 0)]);
    }

    private string Conv(Conv2d conv, string input)
    {
        if (conv.groups != 1 || conv.transposed || conv.padding_type is not null || conv.padding_mode != PaddingModes.Zeros || (conv.dilation ?? [1]).Any(d => d != 1))
            throw new NotSupportedException($"ONNX export maps plain convolutions only (groups 1, dilation 1, zero padding); {conv.GetName()} is not one.");
        long[] p = Pair(conv.padding ?? [0], 0);
        var attributes = new[] { Ints("kernel_shape", Pair(conv.kernel_size, 1)), Ints("strides", Pair(conv.stride ?? [1], 1)), Ints("pads", [p[0], p[1], p[0], p[1]]) };
        string weight = Initializer("weight", conv.weight!);
        return Node("Conv", conv.bias is null ? [input, weight] : [input, weight, Initializer("bias", conv.bias)], attributes);
    }

    private string BatchNorm(TorchSharp.Modules.BatchNorm norm, string input)
    {
        if (norm.running_mean is null || norm.running_var is null)
            throw new NotSupportedException($"ONNX export needs running statistics; {norm.GetName()} does not track them.");
        long c = norm.num_features;
        string scale = norm.weight is null ? Initializer("scale", Enumerable.Repeat(1f, (int)c).ToArray(), c) : Initializer("scale", norm.weight);
        string bias = norm.bias is null ? Initializer("bias", new float[c], c) : Initializer("bias", norm.bias);
        return Node("BatchNormalization", [input, scale, bias, Initializer("mean", norm.running_mean), Initializer("var", norm.running_var)], [Float("epsilon", (float)norm.eps)]);
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private string Fresh(string hint) => $"{hint}_{_next++}";

    private static long[] Pair(long[] values, long fallback) => values.Length switch
    {
        0 => [fallback, fallback],
        1 => [values[0], values[0]],
        _ => [values[0], values[1]],
    };
}
