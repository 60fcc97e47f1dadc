using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>Channels-last training, the default: every convolution channels-last, and a network that saves as usual afterwards.</summary>
public class ChannelsLastTrainingTests
{
    public ChannelsLastTrainingTests() => TestEnvironment.InitTorch();

    private static CellNetwork Network(int inputChannels) => TopologySearchSpace.Instance.BuildNetwork(
        TopologySearchSpace.Instance.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"),
        new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1, InputChannels = inputChannels, Seed = 3 });

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Channels_last_training_runs_every_convolution_channels_last_and_leaves_a_saveable_network(int inputChannels)
    {
        var generator = new Generator(5);
        using Tensor labels = arange(64).remainder(3);
        using Tensor images = rand([64, inputChannels, 12, 12], generator: generator).mul(255).to_type(ScalarType.Byte);
        var normalization = new InputNormalization(Enumerable.Repeat(120.0, inputChannels).ToArray(), Enumerable.Repeat(70.0, inputChannels).ToArray());
        var options = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 0.05, ValidationFraction = 0.25, Seed = 2, Normalization = normalization };
        options.ChannelsLast.Should().BeTrue("channels-last is the default (NCHW gradients are wrong on some CPUs, ConvolutionGradientTests)");
        using CellNetwork nhwc = Network(inputChannels);
        // Every convolution of the channels-last run must see a channels-last input (a one-channel image is ambiguous,
        // so the stem's is told by its weight, which the trainer stores channels-last).
        int convolutions = 0, channelsLast = 0;
        var hooks = nhwc.modules().OfType<TorchSharp.Modules.Conv2d>().Select(conv => conv.register_forward_hook((module, input, output) =>
        {
            convolutions++;
            if (MemoryLayout.IsChannelsLast(output) && (input.shape[1] > 1 ? MemoryLayout.IsChannelsLast(input) : MemoryLayout.IsChannelsLast(((TorchSharp.Modules.Conv2d)module).weight!))) channelsLast++;
            return output;
        })).ToList();
        TrainingReport report = NetworkTrainer.Train(nhwc, images, labels, options);
        foreach (var hook in hooks) hook.remove();
        convolutions.Should().BeGreaterThan(0);
        channelsLast.Should().Be(convolutions, "the channels-last path runs every convolution channels-last");
        report.Curve.Should().OnlyContain(e => double.IsFinite(e.TrainLoss));
        report.Curve[1].TrainLoss.Should().BeLessThan(report.Curve[0].TrainLoss, "the second epoch fits the (separable) data better");
        foreach (var parameter in nhwc.parameters())
        {
            parameter.is_contiguous().Should().BeTrue("saving a module needs contiguous weights");
            parameter.isfinite().all().item<bool>().Should().BeTrue();
        }
        using var saved = new MemoryStream();
        nhwc.save(saved);
        saved.ToArray().Should().NotBeEmpty();
    }
}
