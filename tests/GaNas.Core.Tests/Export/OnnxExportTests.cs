using System.Text.Json;
using GaNas.Export;
using GaNas.Networks;
using GaNas.SearchSpaces;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Export;

public class OnnxExportTests
{
    public OnnxExportTests() => TestEnvironment.InitTorch();

    private static readonly double[] RgbMean = [125.3, 123.0, 113.9];
    private static readonly double[] RgbStd = [63.0, 62.1, 66.7];

    // Every operation and path of both spaces: pooling with and without a channel change, 1x1 and 3x3 convolutions,
    // skips, a node whose edges are all 'none' (its zeros feed later edges), the reduction blocks, SSS channel projections.
    [Theory]
    [InlineData("tss", "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 8, 1, 3)]
    [InlineData("tss", "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|", 4, 2, 3)]
    [InlineData("tss", "|none~0|+|skip_connect~0|none~1|+|none~0|nor_conv_3x3~1|none~2|", 6, 1, 1)]
    [InlineData("sss", "8:16:24:32:64", 0, 1, 3)]
    [InlineData("sss", "64:8:40:8:16", 0, 2, 1)]
    public void The_onnx_model_gives_the_torch_probabilities(string spaceName, string arch, int channels, int cells, int inputChannels)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
        var options = new NetworkOptions { Classes = 7, Channels = channels == 0 ? 8 : channels, CellsPerStage = cells, InputChannels = inputChannels, Seed = 3 };
        using CellNetwork net = space.BuildNetwork(space.Parse(arch), options);
        RandomiseBatchNorm(net, seed: 11);
        double[] mean = inputChannels == 3 ? RgbMean : [120.0];
        double[] std = inputChannels == 3 ? RgbStd : [64.0];
        const int batch = 16, side = 16;
        byte[] onnx = OnnxExporter.ToBytes(net, Options(mean, std, 7, side));

        var random = new Random(5);
        float[] pixels = Enumerable.Range(0, batch * inputChannels * side * side).Select(_ => (float)random.Next(256)).ToArray();
        float[] expected = TorchProbabilities(net, pixels, mean, std, [batch, inputChannels, side, side]);
        float[] actual = OnnxProbabilities(onnx, pixels, [batch, inputChannels, side, side]);

        actual.Should().HaveCount(batch * 7);
        MaxAbsoluteDifference(expected, actual).Should().BeLessThanOrEqualTo(1e-5);
    }

    [Fact]
    public void The_model_declares_its_names_shapes_opset_and_labels()
    {
        ISearchSpace space = SearchSpaceCatalog.ByName("tss");
        using CellNetwork net = space.BuildNetwork(space.Sample(new Random(1)), new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1 });
        var options = new OnnxExportOptions
        {
            Height = 12, Width = 20, Mean = RgbMean, Std = RgbStd, Labels = ["cat", "dog", "ship"],
            Metadata = new Dictionary<string, string> { ["architecture"] = "x" },
        };
        using var session = new InferenceSession(OnnxExporter.ToBytes(net, options));
        session.InputMetadata.Should().ContainSingle().Which.Key.Should().Be("input");
        session.InputMetadata["input"].Dimensions.Should().Equal(-1, 3, 12, 20);
        session.OutputMetadata.Should().ContainSingle().Which.Key.Should().Be("probabilities");
        session.OutputMetadata["probabilities"].Dimensions.Should().Equal(-1, 3);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        JsonSerializer.Deserialize<string[]>(metadata["labels"]).Should().Equal("cat", "dog", "ship");
        metadata["architecture"].Should().Be("x");
        var model = Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(net, options));
        model.OpsetImport.Should().ContainSingle().Which.Version.Should().Be(OnnxExporter.Opset);
    }

    [Fact]
    public void The_same_network_exports_the_same_bytes_and_stays_in_its_mode()
    {
        ISearchSpace space = SearchSpaceCatalog.ByName("sss");
        using CellNetwork net = space.BuildNetwork(space.Sample(new Random(2)), new NetworkOptions { Classes = 4, Channels = 8, CellsPerStage = 1 });
        net.train();
        var options = Options(RgbMean, RgbStd, 4, 8);
        OnnxExporter.ToBytes(net, options).Should().Equal(OnnxExporter.ToBytes(net, options));
        net.training.Should().BeTrue();
    }

    [Fact]
    public void Mismatched_options_are_refused_with_what_was_expected()
    {
        ISearchSpace space = SearchSpaceCatalog.ByName("tss");
        using CellNetwork net = space.BuildNetwork(space.Sample(new Random(1)), new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1 });
        var act = () => OnnxExporter.ToBytes(net, Options(RgbMean, RgbStd, 2, 8));
        act.Should().Throw<ArgumentException>().WithMessage("*one name per class (3)*");
        act = () => OnnxExporter.ToBytes(net, Options([1.0], [1.0], 3, 8));
        act.Should().Throw<ArgumentException>().WithMessage("*one value per input channel (3)*");
        act = () => OnnxExporter.ToBytes(net, Options(RgbMean, [1.0, 0.0, 1.0], 3, 8));
        act.Should().Throw<ArgumentException>().WithMessage("*Std positive*");
    }

    private static OnnxExportOptions Options(double[] mean, double[] std, int classes, int side) => new()
    {
        Height = side, Width = side, Mean = mean, Std = std, Labels = Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray(),
    };

    // Fresh running statistics are 0 and 1 and affine weights 1 and 0, which would hide a mix-up of the four tensors.
    internal static void RandomiseBatchNorm(CellNetwork net, int seed)
    {
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var module in net.modules().OfType<TorchSharp.Modules.BatchNorm>())
        {
            module.running_mean!.uniform_(-0.5, 0.5, generator);
            module.running_var!.uniform_(0.5, 2.0, generator);
            module.weight!.uniform_(0.5, 1.5, generator);
            module.bias!.uniform_(-0.3, 0.3, generator);
        }
    }

    private static float[] TorchProbabilities(CellNetwork net, float[] pixels, double[] mean, double[] std, long[] shape)
    {
        net.eval();
        GaNas.Networks.MemoryLayout.StoreWeightsChannelsLast(net);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        Tensor x = tensor(pixels, shape);
        Tensor m = tensor(mean.Select(v => (float)v).ToArray(), [1, shape[1], 1, 1]);
        Tensor s = tensor(std.Select(v => (float)v).ToArray(), [1, shape[1], 1, 1]);
        // Channels-last, as the model scores (NetworkModel): libtorch's NCHW kernels for small channel counts are wrong on
        // some CPUs (ConvolutionGradientTests).
        return nn.functional.softmax(net.call(GaNas.Networks.MemoryLayout.ToChannelsLast((x - m) / s)), 1).data<float>().ToArray();
    }

    private static float[] OnnxProbabilities(byte[] model, float[] pixels, int[] shape)
    {
        using var session = new InferenceSession(model);
        var input = NamedOnnxValue.CreateFromTensor("input", new DenseTensor(pixels, shape));
        using var results = session.Run([input]);
        return results.Single(r => r.Name == "probabilities").AsEnumerable<float>().ToArray();
    }

    private static double MaxAbsoluteDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
