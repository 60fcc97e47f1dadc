using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>The trainer's SGD: torch.optim.SGD's arithmetic, and safe while other threads collect garbage.</summary>
public class MomentumSgdTests
{
    public MomentumSgdTests() => TestEnvironment.InitTorch();

    private const string Cell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    private static CellNetwork Network() => TopologySearchSpace.Instance.BuildNetwork(TopologySearchSpace.Instance.Parse(Cell),
        new NetworkOptions { Classes = 2, Channels = 4, CellsPerStage = 1, InputChannels = 1, Seed = 3 });

    private static float[] Weights(CellNetwork network) =>
        network.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray()).ToArray();

    [Theory]
    [InlineData(0.9, 5e-4, true)]
    [InlineData(0.9, 5e-4, false)]
    [InlineData(0.0, 1e-3, false)]
    [InlineData(0.5, 0.0, true)]
    public void Its_steps_give_torch_optim_SGD_weights_bit_for_bit(double momentum, double weightDecay, bool nesterov)
    {
        using CellNetwork reference = Network(), ours = Network();
        using var sgd = optim.SGD(reference.parameters(), 0.1, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov);
        using var mine = new MomentumSgd(ours.parameters(), momentum, weightDecay, nesterov);
        var generator = new Generator(7);
        var left = reference.parameters().ToArray();
        var right = ours.parameters().ToArray();
        for (int step = 0; step < 4; step++)
        {
            double lr = 0.1 / (step + 1);
            foreach (var group in sgd.ParamGroups) group.LearningRate = lr;
            for (int i = 0; i < left.Length; i++)
            {
                // The same synthetic gradient for both (no convolution backward involved); one parameter gets none.
                if (i == 3) continue;
                using Tensor gradient = randn(left[i].shape, generator: generator);
                left[i].grad = gradient.clone();
                right[i].grad = gradient.clone();
            }
            sgd.step();
            mine.Step(lr);
            Weights(ours).Should().Equal(Weights(reference), "step {0}", step);
        }
    }

    [Fact]
    public void Training_while_another_thread_collects_garbage_gives_the_same_weights()
    {
        var generator = new Generator(5);
        using Tensor labels = arange(64).remainder(2);
        using Tensor images = rand([64, 1, 8, 8], generator: generator).add(labels.view(64, 1, 1, 1).to_type(ScalarType.Float32));
        var options = new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 0.05, ValidationFraction = 0.25, Seed = 2, CropPadding = 1 };
        float[] Train()
        {
            using CellNetwork network = Network();
            NetworkTrainer.Train(network, images, labels, options);
            return Weights(network);
        }
        float[] quiet = Train();
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        collector.Start();
        float[] collected;
        try
        {
            collected = Train();
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
        collected.Should().OnlyContain(w => float.IsFinite(w));
        collected.Should().Equal(quiet, "a collection finalises no scalar the training still reads");
    }
}
