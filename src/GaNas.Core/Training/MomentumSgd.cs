using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Training;

/// <summary>
/// SGD with momentum, optional Nesterov momentum and L2 weight decay, computing what <c>torch.optim.SGD</c> computes with
/// dampening 0, operation for operation (so the same weights, bit for bit). It replaces TorchSharp 0.107's
/// <c>optim.SGD</c>, whose step passes its hyperparameters as temporary <see cref="Scalar"/>s (<c>add(param, alpha:
/// weight_decay)</c>, <c>mul_(momentum)</c>, <c>add_(grad, alpha: -lr)</c>) that nothing keeps alive during the native
/// call: a garbage collection started by another thread can finalise one while libtorch reads it, and the step then
/// uses a freed value (seen as a NaN loss from the first epoch when tests ran beside the training). Here every scalar
/// lives for the whole step (see <see cref="GaNas.Runtime.Scalars"/>).
/// </summary>
internal sealed class MomentumSgd : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor?[] _buffers;
    private readonly double _weightDecay, _momentum;
    private readonly bool _nesterov;
    private readonly Scalar _weightDecayScalar, _momentumScalar;

    /// <summary>Creates the optimizer over <paramref name="parameters"/>, in their order (the order checkpoints keep).</summary>
    public MomentumSgd(IEnumerable<Parameter> parameters, double momentum, double weightDecay, bool nesterov)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(momentum >= 0) || double.IsInfinity(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum is a finite number >= 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay is a finite number >= 0.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs a momentum above 0.", nameof(nesterov));
        _parameters = parameters.ToArray();
        _buffers = new Tensor?[_parameters.Length];
        _momentum = momentum;
        _weightDecay = weightDecay;
        _nesterov = nesterov;
        _momentumScalar = momentum.ToScalar();
        _weightDecayScalar = weightDecay.ToScalar();
    }

    /// <summary>Zeroes the gradients the parameters hold, keeping their tensors (as <c>torch.optim.SGD.zero_grad</c> did here).</summary>
    public void ZeroGrad()
    {
        foreach (Parameter parameter in _parameters)
        {
            using Tensor? grad = parameter.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update with learning rate <paramref name="learningRate"/> from the gradients the parameters hold (those without one are left alone).</summary>
    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        using Scalar step = (-learningRate).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            Tensor? grad = parameter.grad;
            if (grad is null) continue;
            using var scope = NewDisposeScope();
            Tensor direction = _weightDecay != 0 ? grad.add(parameter, _weightDecayScalar) : grad;
            if (_momentum != 0)
            {
                if (_buffers[i] is not { } buffer)
                {
                    buffer = direction.clone().detach().DetachFromDisposeScope();
                    _buffers[i] = buffer;
                }
                else
                {
                    buffer.mul_(_momentumScalar).add_(direction, GaNas.Runtime.Scalars.One);
                }
                direction = _nesterov ? direction.add(buffer, _momentumScalar) : buffer;
            }
            parameter.add_(direction, step);
        }
        GC.KeepAlive(this);
    }

    /// <summary>Writes the momentum buffers (the optimizer's whole state; the learning rate is the schedule's).</summary>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(_buffers.Length);
        foreach (Tensor? buffer in _buffers)
        {
            writer.Write(buffer is not null);
            if (buffer is null) continue;
            using Tensor cpu = buffer.cpu().contiguous();
            cpu.Save(writer);
        }
    }

    /// <summary>Reads what <see cref="Save"/> wrote, onto the parameters' device; a mismatch with the parameters is refused.</summary>
    public void Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int count = reader.ReadInt32();
        if (count != _buffers.Length) throw new InvalidDataException($"the optimizer state has {count} momentum buffers; the network has {_buffers.Length} parameters.");
        var loaded = new Tensor?[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                if (!reader.ReadBoolean()) continue;
                using Tensor value = TensorExtensionMethods.Load(reader);
                if (!value.shape.SequenceEqual(_parameters[i].shape))
                    throw new InvalidDataException($"momentum buffer {i} has shape [{string.Join(", ", value.shape)}]; its parameter has [{string.Join(", ", _parameters[i].shape)}].");
                // In the parameter's own layout (channels-last weights keep channels-last buffers), as an uninterrupted run has them.
                using (no_grad()) loaded[i] = empty_like(_parameters[i]).copy_(value).DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (Tensor? t in loaded) t?.Dispose();
            throw;
        }
        for (int i = 0; i < count; i++)
        {
            _buffers[i]?.Dispose();
            _buffers[i] = loaded[i];
        }
    }

    /// <summary>Frees the momentum buffers and the scalars.</summary>
    public void Dispose()
    {
        foreach (Tensor? buffer in _buffers) buffer?.Dispose();
        Array.Clear(_buffers);
        _momentumScalar.Dispose();
        _weightDecayScalar.Dispose();
    }
}
