using System.Runtime.InteropServices;
using TorchSharp;

namespace GaNas.Runtime;

/// <summary>
/// Process-wide libtorch settings. On 2 cores, libtorch's default of one intra-op thread per core
/// collapses when another process holds a core, so every entry point sets the thread count explicitly.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _interopSet;

    /// <summary>
    /// Loads libtorch (with a clear error when the native backend is missing) and sets the number
    /// of intra-op threads. <paramref name="threads"/> &lt;= 0 means one per core.
    /// </summary>
    public static void Initialize(int threads = 1)
    {
        lock (Gate)
        {
            EnsureLoaded();
            int n = threads > 0 ? threads : Environment.ProcessorCount;
            torch.set_num_threads(n);
            _configured = n;
            if (!_interopSet)
            {
                try { torch.set_num_interop_threads(1); }
                catch (ExternalException) { /* already fixed by earlier parallel work: harmless */ }
                _interopSet = true;
            }
        }
    }

    /// <summary>
    /// Lets the C library keep freed native memory for reuse instead of returning it to the kernel at once: feature maps
    /// of up to 32 MiB come from the heap, and up to 1 GiB of free memory stays at a heap's top. libtorch allocates every
    /// feature map anew, so without this each training step faults in and zeroes fresh pages; with it, the main job's
    /// training runs faster (docs/performance.md, "Training throughput") for a resident size that stays near its peak.
    /// Process-wide and for the process's life, so the application decides: the <c>ganas</c> training commands and the
    /// Fashion-MNIST example call it; the library never does. Returns false where the C library is not glibc.
    /// </summary>
    public static bool RetainFreedMemory() => NativeHeap.RetainFreed();

    /// <summary>Number of intra-op threads libtorch uses now, on the calling thread.</summary>
    public static int Threads => torch.get_num_threads();

    private static volatile int _configured;

    /// <summary>
    /// The thread count last given to <see cref="Initialize"/> (libtorch's default, one per core, before any call).
    /// libtorch keeps the count per thread, and a pool thread keeps whatever count it first saw, so work that may run
    /// on any thread (batched scoring) sizes itself from this, not from <see cref="Threads"/>.
    /// </summary>
    public static int ConfiguredThreads => _configured > 0 ? _configured : Environment.ProcessorCount;

    private static bool _logLevelSet;

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> explaining what to install when libtorch cannot load. Once loaded,
    /// libtorch's C++ log is limited to errors unless <c>TORCH_CPP_LOG_LEVEL</c> says otherwise (see LibTorchLogLevel).
    /// </summary>
    public static void EnsureLoaded()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidOperationException(LoadFailureMessage(ex), ex);
        }
        lock (Gate)
        {
            if (_logLevelSet) return;
            LibTorchLogLevel.Apply();
            _logLevelSet = true;
        }
    }

    /// <summary>What to do when libtorch does not load, from the loader's own error text.</summary>
    internal static string LoadFailureMessage(Exception error)
    {
        string inner = error.Message;
        for (Exception? e = error.InnerException; e is not null; e = e.InnerException) inner += " | " + e.Message;
        string advice = inner.Contains("GLIBCXX_", StringComparison.Ordinal)
            ? "TorchSharp's libLibTorchSharp.so needs a libstdc++ version this system lacks (Debian 12 stops at GLIBCXX_3.4.30). " +
              "The GaNas.Core NuGet package fixes this at build time: its buildTransitive/GaNas.Core.targets writes a copy of the " +
              "library with that version need marked weak and ships the copy (the build log says \"GaNas: patched\"). " +
              "Reference GaNas.Core or GaNas.MLNet as a package, or, when referencing GaNas.Core.csproj from outside its " +
              "repository, import its build/GaNas.Core.targets; and do not set GaNasPatchLibTorchSharp=never. "
            : "An application needs one native TorchSharp backend package beside GaNas: libtorch-cpu-linux-x64 (Linux x64, CPU), " +
              "TorchSharp-cpu (all platforms) or TorchSharp-cuda-linux / TorchSharp-cuda-windows (NVIDIA GPU), in the version " +
              "TorchSharp expects. ";
        return "libtorch could not be loaded. " + advice + "Loader error: " + inner;
    }

    /// <summary>The device to use: "cpu", "cuda" or "auto" (cuda when available).</summary>
    public static torch.Device ResolveDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        switch (device.ToLowerInvariant())
        {
            case "cpu":
                return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new InvalidOperationException("Device 'cuda' was requested but CUDA is not available: reference a TorchSharp-cuda-* backend package and run on a machine with an NVIDIA GPU.");
                return torch.CUDA;
            case "auto":
                return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
            default:
                throw new ArgumentException($"Unknown device '{device}'; expected cpu, cuda or auto.", nameof(device));
        }
    }
}
