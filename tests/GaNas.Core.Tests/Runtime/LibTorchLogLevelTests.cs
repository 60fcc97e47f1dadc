using System.Runtime.InteropServices;
using GaNas.Runtime;
using TorchSharp;

namespace GaNas.Tests.Runtime;

/// <summary>The fd-2 capture and the log level are process-wide: these tests run alone.</summary>
[CollectionDefinition(nameof(LibTorchLogLevelTests), DisableParallelization = true)]
public class LibTorchLogLevelCollection;

[Collection(nameof(LibTorchLogLevelTests))]
public class LibTorchLogLevelTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("INFO", 0)]
    [InlineData("WARNING", 1)]
    [InlineData("ERROR", 2)]
    [InlineData("FATAL", 3)]
    [InlineData("1", 1)]
    public void The_level_is_read_as_c10_reads_it(string? value, int level)
        => LibTorchLogLevel.Parse(value).Should().Be(level);

    [Theory]
    [InlineData("verbose")]
    [InlineData("warning")]
    [InlineData(" ERROR ")]
    [InlineData("7")]
    [InlineData("01")]
    public void A_value_c10_would_refuse_is_not_a_level(string value)
        => LibTorchLogLevel.Parse(value).Should().BeNull();

    [Fact]
    public void A_refused_value_is_reported_on_stderr_and_errors_only_are_logged()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureLoaded();
        try
        {
            var saved = Console.Error;
            using var text = new StringWriter();
            Console.SetError(text);
            int? level;
            try { level = LibTorchLogLevel.Apply("verbose"); }
            finally { Console.SetError(saved); }
            level.Should().Be(LibTorchLogLevel.Error);
            text.ToString().Should().Contain("TORCH_CPP_LOG_LEVEL='verbose'").And.Contain("using ERROR");
        }
        finally
        {
            LibTorchLogLevel.Apply();
        }
    }

    [Fact]
    public void Loading_libtorch_limits_its_log_to_errors()
    {
        if (!OperatingSystem.IsLinux()) return; // the flag is looked up in the loaded libc10.so
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(LibTorchLogLevel.Variable))) return; // the user's choice is kept
        TorchRuntime.EnsureLoaded();
        LibTorchLogLevel.Current.Should().Be(LibTorchLogLevel.Error, "libtorch 2.10 exports FLAGS_caffe2_log_level and EnsureLoaded sets it");
    }

    [Fact]
    public void A_float64_convolution_writes_nothing_to_stderr_at_the_level_set()
    {
        if (!OperatingSystem.IsLinux()) return;
        TorchRuntime.EnsureLoaded();
        try
        {
            // At WARNING, a machine whose NNPACK cannot start gets one line per float64 convolution (this project's VMs);
            // elsewhere nothing. At ERROR, nothing anywhere. A marker written through fd 2 inside each capture proves
            // the capture itself works.
            LibTorchLogLevel.Apply("WARNING");
            string warned = NativeStderrOf(Float64Convolution);
            LibTorchLogLevel.Apply("ERROR");
            string quiet = NativeStderrOf(Float64Convolution);
            warned.Should().EndWith(Marker);
            quiet.Should().Be(Marker, $"the level is ERROR (at WARNING fd 2 got {warned.Length - Marker.Length} more characters: '{warned[..Math.Min(warned.Length, 120)]}')");
        }
        finally
        {
            LibTorchLogLevel.Apply();
        }
    }

    private const string Marker = "<fd 2 captured>";

    private static void Float64Convolution()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn([16, 3, 8, 8], dtype: torch.ScalarType.Float64);
        var w = torch.randn([4, 3, 3, 3], dtype: torch.ScalarType.Float64);
        _ = torch.nn.functional.conv2d(x, w, padding: [1, 1]);
    }

    /// <summary>What native code writes to file descriptor 2 while <paramref name="action"/> runs, then <see cref="Marker"/>.</summary>
    private static string NativeStderrOf(Action action)
    {
        string path = Path.GetTempFileName();
        int saved = dup(2);
        saved.Should().BeGreaterThanOrEqualTo(0, "dup(2)");
        int file = open(path, 0x1 | 0x200 | 0x80000, 0); // O_WRONLY | O_TRUNC | O_CLOEXEC
        file.Should().BeGreaterThanOrEqualTo(0, "open of the capture file");
        try
        {
            dup2(file, 2).Should().Be(2, "fd 2 redirected");
            action();
            byte[] marker = System.Text.Encoding.ASCII.GetBytes(Marker);
            write(2, marker, marker.Length).Should().Be(marker.Length);
        }
        finally
        {
            dup2(saved, 2);
            close(file);
            close(saved);
        }
        string text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    [DllImport("libc", SetLastError = true)] private static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int dup2(int fd, int fd2);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, byte[] buffer, nint count);
    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
}
