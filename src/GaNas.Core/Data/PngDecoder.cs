using System.Buffers.Binary;
using System.IO.Compression;

namespace GaNas.Data;

/// <summary>A decoded image: 8-bit samples, row-major, <see cref="Channels"/> interleaved samples per pixel.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 (grey) or 3 (RGB).</param>
/// <param name="Pixels">Height x Width x Channels bytes.</param>
public sealed record DecodedImage(int Width, int Height, int Channels, byte[] Pixels);

/// <summary>
/// A self-contained PNG decoder (no native imaging dependency in the core): all colour types,
/// bit depths 1-16, non-interlaced. Alpha is dropped. CRCs are checked, and every failure names
/// the file and what is wrong with it.
/// </summary>
public static class PngDecoder
{
    /// <summary>Largest width or height decoded.</summary>
    public const int MaxSide = 16_384;

    /// <summary>Most pixels decoded (width x height).</summary>
    public const long MaxPixels = 1L << 26;

    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Decodes a PNG file to grey (1) or RGB (3) channels.</summary>
    public static DecodedImage Decode(string path, int channels)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            throw new InvalidDataException($"Image '{path}' cannot be read: {ex.Message}", ex);
        }
        return Decode(data, channels, path);
    }

    /// <summary>Decodes PNG bytes; <paramref name="source"/> names them in errors.</summary>
    public static DecodedImage Decode(byte[] png, int channels, string source)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images are decoded to 1 (grey) or 3 (RGB) channels.");
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"Image '{source}' is not a PNG file (bad signature); only PNG images are supported.");
        int width = 0, height = 0, bitDepth = 0, colorType = -1;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        int pos = 8;
        bool sawEnd = false;
        while (pos + 12 <= png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (length < 0 || pos + 12L + length > png.Length)
                throw new InvalidDataException($"Image '{source}' is truncated or corrupt (chunk at byte {pos} runs past the end).");
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + length));
            if (Crc(png.AsSpan(pos + 4, length + 4)) != crc)
                throw new InvalidDataException($"Image '{source}' is corrupt: CRC mismatch in its {type} chunk.");
            ReadOnlySpan<byte> body = png.AsSpan(pos + 8, length);
            switch (type)
            {
                case "IHDR":
                    if (length < 13) throw new InvalidDataException($"Image '{source}' is corrupt: its IHDR chunk has {length} bytes, not 13.");
                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    bitDepth = body[8];
                    colorType = body[9];
                    if (body[12] != 0) throw new InvalidDataException($"Image '{source}' is an interlaced PNG, which is not supported; save it without interlacing.");
                    break;
                case "PLTE":
                    palette = body.ToArray();
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }
            pos += 12 + length;
            if (sawEnd) break;
        }
        if (width <= 0 || height <= 0) throw new InvalidDataException($"Image '{source}' has no valid IHDR chunk.");
        // Refuse decompression bombs from the header alone, before any pixel buffer is allocated.
        if (width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
            throw new InvalidDataException($"Image '{source}' claims {width}x{height} pixels; at most {MaxSide} per side and {MaxPixels:N0} in all are decoded.");
        if (bitDepth is not (1 or 2 or 4 or 8 or 16)) throw new InvalidDataException($"Image '{source}' is corrupt: PNG bit depth {bitDepth}.");
        if (!sawEnd) throw new InvalidDataException($"Image '{source}' is truncated (no IEND chunk).");
        int samples = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new InvalidDataException($"Image '{source}' has unknown PNG colour type {colorType}.") };
        if (colorType == 3 && palette is null) throw new InvalidDataException($"Image '{source}' is a palette PNG without a PLTE chunk.");
        int bitsPerPixel = samples * bitDepth;
        int stride = (width * bitsPerPixel + 7) / 8;
        int bpp = Math.Max(1, bitsPerPixel / 8);
        byte[] raw = new byte[(long)(stride + 1) * height > int.MaxValue ? throw new InvalidDataException($"Image '{source}' is too large.") : (stride + 1) * height];
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int read = 0, n;
            while (read < raw.Length && (n = z.Read(raw, read, raw.Length - read)) > 0) read += n;
            if (read != raw.Length) throw new InvalidDataException($"Image '{source}' is truncated: {read} of {raw.Length} bytes of pixel data.");
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith("Image", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"Image '{source}' has corrupt compressed pixel data: {ex.Message}", ex);
        }
        Unfilter(raw, stride, height, bpp, source);
        return new DecodedImage(width, height, channels, ToChannels(raw, width, height, stride, bitDepth, colorType, samples, palette, channels));
    }

    private static void Unfilter(byte[] raw, int stride, int height, int bpp, string source)
    {
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1);
            int filter = raw[row];
            int cur = row + 1;
            int prev = row - stride; // start of previous row's data (row - (stride + 1) + 1)
            for (int x = 0; x < stride; x++)
            {
                int a = x >= bpp ? raw[cur + x - bpp] : 0;
                int b = y > 0 ? raw[prev + x] : 0;
                int c = y > 0 && x >= bpp ? raw[prev + x - bpp] : 0;
                int add = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"Image '{source}' is corrupt: unknown PNG filter {filter} on row {y}."),
                };
                raw[cur + x] = (byte)(raw[cur + x] + add);
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static byte[] ToChannels(byte[] raw, int width, int height, int stride, int bitDepth, int colorType, int samples, byte[]? palette, int channels)
    {
        var output = new byte[width * height * channels];
        int max = (1 << Math.Min(bitDepth, 8)) - 1;
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1) + 1;
            for (int x = 0; x < width; x++)
            {
                byte r, g, b;
                if (colorType == 3)
                {
                    int index = Sample(raw, row, x, 0, samples, bitDepth);
                    if (3 * index + 2 >= palette!.Length) throw new InvalidDataException($"A palette PNG refers to colour {index}, beyond its palette.");
                    r = palette[3 * index]; g = palette[3 * index + 1]; b = palette[3 * index + 2];
                }
                else
                {
                    int Scale(int s) => bitDepth >= 8 ? Sample(raw, row, x, s, samples, bitDepth) : Sample(raw, row, x, s, samples, bitDepth) * 255 / max;
                    if (samples >= 3) { r = (byte)Scale(0); g = (byte)Scale(1); b = (byte)Scale(2); }
                    else { r = g = b = (byte)Scale(0); }
                }
                int o = (y * width + x) * channels;
                if (channels == 3) { output[o] = r; output[o + 1] = g; output[o + 2] = b; }
                else output[o] = (byte)Math.Round(0.299 * r + 0.587 * g + 0.114 * b);
            }
        }
        return output;
    }

    /// <summary>Sample s of pixel x as an 8-bit value (16-bit samples keep their high byte; sub-byte samples are returned raw).</summary>
    private static int Sample(byte[] raw, int row, int x, int s, int samples, int bitDepth)
    {
        if (bitDepth == 8) return raw[row + x * samples + s];
        if (bitDepth == 16) return raw[row + (x * samples + s) * 2];
        int bit = (x * samples + s) * bitDepth;
        int value = raw[row + bit / 8] >> (8 - bitDepth - bit % 8);
        return value & ((1 << bitDepth) - 1);
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte d in data) c = CrcTable[(c ^ d) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFF;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>Encodes 8-bit grey or RGB pixels as a PNG (filter 0); used by tests and tools that write images.</summary>
    public static byte[] Encode(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var output = new MemoryStream();
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;
        header[9] = (byte)(image.Channels == 3 ? 2 : 0);
        WriteChunk(output, "IHDR", header);
        using (var data = new MemoryStream())
        {
            using (var z = new ZLibStream(data, CompressionLevel.Fastest, leaveOpen: true))
            {
                int stride = image.Width * image.Channels;
                for (int y = 0; y < image.Height; y++)
                {
                    z.WriteByte(0);
                    z.Write(image.Pixels, y * stride, stride);
                }
            }
            WriteChunk(output, "IDAT", data.ToArray());
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, body.Length);
        output.Write(buffer);
        byte[] typeAndBody = [.. System.Text.Encoding.ASCII.GetBytes(type), .. body];
        output.Write(typeAndBody);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, Crc(typeAndBody));
        output.Write(buffer);
    }
}
