using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Networks;

/// <summary>Size and cost of a network: parameter count and multiply-accumulates of one forward pass.</summary>
/// <param name="Parameters">Number of trainable parameters (what the benchmark's <c>params</c> column counts).</param>
/// <param name="MultiplyAccumulates">Multiply-accumulates of one image's forward pass through every Conv2d and Linear layer.</param>
public readonly record struct NetworkStatistics(long Parameters, long MultiplyAccumulates)
{
    /// <summary>Counts parameters, and MACs at <paramref name="inputSize"/> x <paramref name="inputSize"/> input.</summary>
    public static NetworkStatistics Measure(CellNetwork network, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Input size must be positive.");
        return new NetworkStatistics(CountParameters(network), CountMultiplyAccumulates(network, inputSize));
    }

    /// <summary>Number of parameters of a module.</summary>
    public static long CountParameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.parameters().Sum(p => p.numel());
    }

    /// <summary>Multiply-accumulates of one forward pass (conv: weight elements x output pixels; linear: weight elements).</summary>
    public static long CountMultiplyAccumulates(CellNetwork network, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(network);
        long macs = 0;
        var removers = new List<Action>();
        foreach (var (_, module) in network.named_modules())
        {
            if (module is Conv2d conv)
            {
                long weight = conv.weight!.numel();
                var h = conv.register_forward_hook((_, _, output) =>
                {
                    macs += weight * output.shape[2] * output.shape[3];
                    return output;
                });
                removers.Add(h.remove);
            }
            else if (module is Linear linear)
            {
                long weight = linear.weight!.numel();
                var h = linear.register_forward_hook((_, _, output) =>
                {
                    macs += weight;
                    return output;
                });
                removers.Add(h.remove);
            }
        }
        bool wasTraining = network.training;
        try
        {
            network.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var dtype = network.parameters().First().dtype;
            network.call(zeros(1, network.Options.InputChannels, inputSize, inputSize, dtype: dtype));
        }
        finally
        {
            foreach (var remove in removers) remove();
            network.train(wasTraining);
        }
        return macs;
    }
}
