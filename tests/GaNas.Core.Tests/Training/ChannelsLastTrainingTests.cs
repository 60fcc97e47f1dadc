using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>Channels-last training: the NCHW path's results up to float32 rounding, and a network that saves as usual afterwards.</summary>
public class ChannelsLastTrainingTests
{
    public ChannelsLastTrainingTests() => TestEnvironment.InitTorch();

    private static CellNetwork Network(int inputChannels) => TopologySearchSpace.Instance.BuildNetwork(
        TopologySearchSpace.Instance.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"),
        new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1, InputChannels = inputChannels, Seed = 3 });

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Channels_last_training_matches_nchw_to_rounding_and_leaves_a_saveable_network(int inputChannels)
    {
        var generator = new Generator(5);
        using Tensor labels = arange(64).remainder(3);
        using Tensor images = rand([64, inputChannels, 12, 12], generator: generator).mul(255).to_type(ScalarType.Byte);
        var normalization = new InputNormalization(Enumerable.Repeat(120.0, inputChannels).ToArray(), Enumerable.Repeat(70.0, inputChannels).ToArray());
        TrainingOptions Options(bool channelsLast) => new()
        {
            Epochs = 1, BatchSize = 16, LearningRate = 0.05, ValidationFraction = 0.25, Seed = 2, Normalization = normalization, ChannelsLast = channelsLast,
        };
        using CellNetwork nchw = Network(inputChannels), nhwc = Network(inputChannels);
        TrainingReport a = NetworkTrainer.Train(nchw, images, labels, Options(false));
        // Every convolution of the channels-last run must see a channels-last input (a one-channel image is ambiguous,
        // so the stem's is told by its weight, which the trainer stores channels-last).
        int convolutions = 0, channelsLast = 0;
        var hooks = nhwc.modules().OfType<TorchSharp.Modules.Conv2d>().Select(conv => conv.register_forward_hook((module, input, output) =>
        {
            convolutions++;
            if (MemoryLayout.IsChannelsLast(output) && (input.shape[1] > 1 ? MemoryLayout.IsChannelsLast(input) : MemoryLayout.IsChannelsLast(((TorchSharp.Modules.Conv2d)module).weight!))) channelsLast++;
            return output;
        })).ToList();
        TrainingReport b = NetworkTrainer.Train(nhwc, images, labels, Options(true));
        foreach (var hook in hooks) hook.remove();
        convolutions.Should().BeGreaterThan(0);
        channelsLast.Should().Be(convolutions, "the channels-last path runs every convolution channels-last");

        b.Curve[0].TrainLoss.Should().BeApproximately(a.Curve[0].TrainLoss, 1e-4);
        var left = nchw.parameters().ToArray();
        var right = nhwc.parameters().ToArray();
        for (int i = 0; i < left.Length; i++)
        {
            right[i].is_contiguous().Should().BeTrue("saving a module needs contiguous weights");
            left[i].sub(right[i]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        }
        using var saved = new MemoryStream();
        nhwc.save(saved);
        saved.ToArray().Should().NotBeEmpty();
    }

    [Fact]
    public void Channels_last_and_checkpoints_are_refused_together()
    {
        var act = () => new TrainingOptions { ChannelsLast = true, CheckpointPath = "x.ckpt" }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*ChannelsLast = false*");
    }
}
