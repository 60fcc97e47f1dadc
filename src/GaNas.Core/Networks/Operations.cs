using GaNas.Export;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Networks;

/// <summary>Builders for the small layers NATS-Bench networks are made of.</summary>
internal static class Layers
{
    /// <summary>A batch norm (affine, running stats; <see cref="BatchNormLayer"/>) or an identity when batch norm is disabled.</summary>
    public static Module<Tensor, Tensor> Norm(long channels, bool useBatchNorm) =>
        useBatchNorm ? new BatchNormLayer(channels) : Identity();

    /// <summary>Conv2d without bias, square kernel.</summary>
    public static Conv2d Conv(long cin, long cout, long kernel, long stride, long padding) =>
        Conv2d(cin, cout, kernel, stride: stride, padding: padding, bias: false);
}

/// <summary><c>nor_conv_kxk</c>: ReLU, Conv2d (no bias), BatchNorm2d. Submodule names follow NAS-Bench-201 (<c>op.0/1/2</c>).</summary>
internal sealed class ReluConvBn : Module<Tensor, Tensor>, IOnnxExportable, IFoldsBatchNorm
{
    private readonly Sequential op;
    private Conv2d? _folded;

    /// <summary>Creates the block.</summary>
    public ReluConvBn(long cin, long cout, long kernel, long stride, long padding, bool useBatchNorm) : base(nameof(ReluConvBn))
    {
        var conv = Layers.Conv(cin, cout, kernel, stride, padding);
        var norm = Layers.Norm(cout, useBatchNorm);
        op = Sequential(ReLU(), conv, norm);
        RegisterComponents();
        Conv = conv;
        Norm = norm as BatchNormLayer;
        (Kernel, Stride, Padding) = (kernel, stride, padding);
    }

    /// <summary>The convolution (<c>op.1</c>).</summary>
    public Conv2d Conv { get; }

    /// <summary>The batch norm (<c>op.2</c>), null when batch norm is disabled.</summary>
    public BatchNormLayer? Norm { get; }

    /// <summary>Kernel size, stride and padding of the convolution.</summary>
    public long Kernel { get; }

    /// <inheritdoc cref="Kernel" />
    public long Stride { get; }

    /// <inheritdoc cref="Kernel" />
    public long Padding { get; }

    /// <summary>Whether the batch norm has been folded into the convolution for scoring.</summary>
    public bool IsFolded => _folded is not null;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (_folded is null) return op.call(input);
        using var relu = functional.relu(input);
        return _folded.call(relu);
    }

    void IFoldsBatchNorm.FoldBatchNorm()
    {
        if (_folded is not null) return;
        var parts = op.children().ToArray();
        var conv = (Conv2d)parts[1];
        if (BatchNormFolding.Fold(conv, (Module<Tensor, Tensor>)parts[2])) _folded = conv;
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input) => graph.Module(op, input);
}

/// <summary><c>none</c>: zeros with the output's shape (C_out channels).</summary>
internal sealed class ZeroOp : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly long _cin;
    private readonly long _cout;

    /// <summary>Creates the operation.</summary>
    public ZeroOp(long cin, long cout) : base(nameof(ZeroOp))
    {
        _cin = cin;
        _cout = cout;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (_cin == _cout) return input.mul(GaNas.Runtime.Scalars.ZeroDouble);
        long[] shape = (long[])input.shape.Clone();
        shape[1] = _cout;
        return zeros(shape, dtype: input.dtype, device: input.device);
    }

    // Same channels: x * 0, as the forward. A channel change: a 1x1 convolution with zero weights gives the zeros of C_out channels.
    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input) => _cin == _cout
        ? graph.Node("Mul", [input, graph.Initializer("zero", [0f])])
        : graph.Node("Conv", [input, graph.Initializer("zero", new float[_cout * _cin], _cout, _cin, 1, 1)], [OnnxGraph.Ints("kernel_shape", [1, 1])]);
}

/// <summary><c>avg_pool_3x3</c>: optional ReLU-Conv1x1-BN when channels change, then 3x3 average pooling (stride 1, padding 1, count_include_pad=false; <see cref="AveragePool3x3"/>).</summary>
internal sealed class PoolOp : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ReluConvBn? preprocess;
    private readonly AveragePool3x3 op;

    /// <summary>Creates the operation.</summary>
    public PoolOp(long cin, long cout, bool useBatchNorm) : base(nameof(PoolOp))
    {
        if (cin != cout) preprocess = new ReluConvBn(cin, cout, 1, 1, 0, useBatchNorm);
        op = new AveragePool3x3();
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (preprocess is null) return op.call(input);
        using var scope = NewDisposeScope();
        return op.call(preprocess.call(input)).MoveToOuterDisposeScope();
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input) => graph.Module(op, preprocess is null ? input : graph.Module(preprocess, input));
}

/// <summary><c>skip_connect</c> across a channel change (SSS): Conv1x1 (no bias), BatchNorm2d.</summary>
internal sealed class ChannelProjection : Module<Tensor, Tensor>, IOnnxExportable, IFoldsBatchNorm
{
    private readonly Conv2d conv;
    private readonly Module<Tensor, Tensor> bn;
    private bool _folded;

    /// <summary>Creates the projection.</summary>
    public ChannelProjection(long cin, long cout, bool useBatchNorm) : base(nameof(ChannelProjection))
    {
        conv = Layers.Conv(cin, cout, 1, 1, 0);
        bn = Layers.Norm(cout, useBatchNorm);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (_folded) return conv.call(input);
        using var scope = NewDisposeScope();
        return bn.call(conv.call(input)).MoveToOuterDisposeScope();
    }

    void IFoldsBatchNorm.FoldBatchNorm() => _folded = _folded || BatchNormFolding.Fold(conv, bn);

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input) => graph.Module(bn, graph.Module(conv, input));
}

/// <summary>
/// Residual stride-2 reduction block: <c>conv_a</c> = ReLU-Conv3x3(stride 2)-BN, <c>conv_b</c> =
/// ReLU-Conv3x3-BN, <c>downsample</c> = AvgPool2d(2, 2) then Conv1x1 (no bias); output = downsample(x) + conv_b(conv_a(x)).
/// </summary>
internal sealed class ResNetBasicBlock : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ReluConvBn conv_a;
    private readonly ReluConvBn conv_b;
    private readonly Sequential downsample;

    /// <summary>Creates the block.</summary>
    public ResNetBasicBlock(long cin, long cout, bool useBatchNorm) : base(nameof(ResNetBasicBlock))
    {
        conv_a = new ReluConvBn(cin, cout, 3, 2, 1, useBatchNorm);
        conv_b = new ReluConvBn(cout, cout, 3, 1, 1, useBatchNorm);
        downsample = Sequential(AvgPool2d(2, stride: 2, padding: 0), Layers.Conv(cin, cout, 1, 1, 0));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor block = conv_b.call(conv_a.call(input));
        Tensor residual = downsample.call(input);
        return residual.add(block, GaNas.Runtime.Scalars.One).MoveToOuterDisposeScope();
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input)
    {
        string block = graph.Module(conv_b, graph.Module(conv_a, input));
        return graph.Node("Add", [graph.Module(downsample, input), block]);
    }
}
