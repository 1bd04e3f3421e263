import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import net.sourceforge.plantuml.BlockUml;
import net.sourceforge.plantuml.ErrorUml;
import net.sourceforge.plantuml.FileFormat;
import net.sourceforge.plantuml.FileFormatOption;
import net.sourceforge.plantuml.SourceStringReader;
import net.sourceforge.plantuml.core.Diagram;
import net.sourceforge.plantuml.error.PSystemError;
import net.sourceforge.plantuml.error.PSystemErrorEmpty;
import net.sourceforge.plantuml.preproc.Defines;
import net.sourceforge.plantuml.version.Version;

/**
 * Long-lived PlantUML renderer driven by Kroki Studio's generic JvmHost (server/runtimes/jvm-host.ts).
 *
 * Protocol (all integers big-endian, strings = u32 byte length + UTF-8 bytes):
 *   request  := u32 frameLength, u8 kind, payload
 *     kind 1 (render) : u32 id, str format, str config, u8 flags, str source
 *     kind 2 (cancel) : u32 id
 *   response := u32 frameLength, u32 id, u8 status, i32 line, str message, u32 n, n bytes
 * Response id 0 is the hello frame sent once at start: message = "key=value" lines.
 *
 * The process's real stdout carries only frames: System.out is redirected to stderr
 * before PlantUML is touched, because PlantUML prints warnings and banners there.
 */
public final class PlantumlWorker {
  static final int STATUS_OK = 0;
  static final int STATUS_SYNTAX = 1;
  static final int STATUS_EMPTY = 2;
  static final int STATUS_INTERNAL = 3;
  static final int STATUS_UNSUPPORTED = 4;

  static final int FLAG_NO_METADATA = 1;

  /** Frames larger than this are a protocol error (the TS side caps sources far below). */
  static final int MAX_FRAME = 64 * 1024 * 1024;

  private final DataOutputStream out;
  private final ExecutorService pool;
  /** Renders queued or running, by id. */
  private final Map<Integer, Future<?>> running = new ConcurrentHashMap<>();
  /** Ids whose render has begun on a thread. */
  private final Set<Integer> started = ConcurrentHashMap.newKeySet();
  private final boolean pdfSupported;

  private PlantumlWorker(DataOutputStream out, int threads) {
    this.out = out;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "plantuml-render");
      t.setDaemon(true);
      return t;
    });
    this.pdfSupported = probePdf();
  }

  public static void main(String[] args) throws IOException {
    DataOutputStream frames = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
    int threads = Math.max(1, Integer.getInteger("studio.threads", 2));
    PlantumlWorker worker = new PlantumlWorker(frames, threads);
    worker.hello();
    worker.serve(new DataInputStream(new BufferedInputStream(System.in, 1 << 16)));
  }

  /**
   * PlantUML's PDF backend (OpenPDF) may be compiled for a newer Java than the one running;
   * loading it then throws UnsupportedClassVersionError. Probe once, so PDF can be produced
   * another way instead of failing mid-render.
   */
  private static boolean probePdf() {
    try {
      Class.forName("org.openpdf.text.DocumentException");
      return true;
    } catch (Throwable t) {
      return false;
    }
  }

  private void hello() throws IOException {
    String info = "version=" + Version.versionString() + "\npdf=" + pdfSupported + "\njava=" + System.getProperty("java.version") + "\n";
    send(0, STATUS_OK, -1, info, new byte[0]);
  }

  private void serve(DataInputStream in) throws IOException {
    try {
      while (true) {
        int length;
        try {
          length = in.readInt();
        } catch (EOFException eof) {
          break;
        }
        if (length < 1 || length > MAX_FRAME) throw new IOException("bad frame length " + length);
        byte[] frame = new byte[length];
        in.readFully(frame);
        dispatch(new DataInputStream(new java.io.ByteArrayInputStream(frame)));
      }
    } finally {
      // stdin closed: the parent is gone or asked us to stop.
      pool.shutdownNow();
      System.exit(0);
    }
  }

  private void dispatch(DataInputStream frame) throws IOException {
    int kind = frame.readUnsignedByte();
    if (kind == 2) {
      cancel(frame.readInt());
      return;
    }
    if (kind != 1) throw new IOException("unknown frame kind " + kind);
    final int id = frame.readInt();
    final String format = readString(frame);
    final String config = readString(frame);
    final int flags = frame.readUnsignedByte();
    final String source = readString(frame);
    Future<?> f = pool.submit(() -> renderAndReply(id, format, config, flags, source));
    running.put(id, f);
    if (f.isDone()) running.remove(id);
  }

  /**
   * Every render id gets exactly one answer, cancelled or not: the parent counts an
   * unanswered cancelled render as a hung JVM. A queued render is dropped and answered now;
   * a running one is interrupted (PlantUML rarely checks) and answers when it ends.
   */
  private void cancel(int id) {
    Future<?> f = running.get(id);
    if (f == null) return;
    if (!started.contains(id)) {
      if (f.cancel(false)) {
        running.remove(id);
        trySend(id, STATUS_INTERNAL, -1, "Cancelled before it started", new byte[0]);
      }
    } else {
      f.cancel(true);
    }
  }

  private void renderAndReply(int id, String format, String config, int flags, String source) {
    started.add(id);
    try {
      render(id, format, config, flags, source);
    } catch (Throwable t) {
      String msg = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
      trySend(id, STATUS_INTERNAL, -1, msg, new byte[0]);
      if (t instanceof OutOfMemoryError) {
        // The heap may be in a bad state; let the parent start a fresh JVM.
        System.exit(3);
      }
    } finally {
      running.remove(id);
      started.remove(id);
    }
  }

  private void render(int id, String format, String config, int flags, String source) throws IOException {
    FileFormat fileFormat = toFileFormat(format);
    if (fileFormat == null || (fileFormat == FileFormat.PDF && !pdfSupported)) {
      trySend(id, STATUS_UNSUPPORTED, -1, "Unsupported format " + format, new byte[0]);
      return;
    }
    List<String> configLines = new ArrayList<>();
    for (String line : config.split("\n")) if (!line.isEmpty()) configLines.add(line);

    SourceStringReader reader = new SourceStringReader(Defines.createEmpty(), source, StandardCharsets.UTF_8, configLines, null);
    List<BlockUml> blocks = reader.getBlocks();
    if (blocks.isEmpty()) {
      trySend(id, STATUS_EMPTY, -1, "Empty diagram, missing delimiters?", new byte[0]);
      return;
    }
    Diagram diagram = blocks.get(0).getDiagram();
    if (diagram instanceof PSystemErrorEmpty) {
      trySend(id, STATUS_EMPTY, -1, "Empty diagram, missing delimiters?", new byte[0]);
      return;
    }
    if (diagram instanceof PSystemError) {
      PSystemError error = (PSystemError) diagram;
      ErrorUml first = error.getFirstError();
      String message = first == null ? "Syntax Error?" : first.getError();
      int line = error.getLineLocation() == null ? -1 : error.getLineLocation().getPosition();
      trySend(id, STATUS_SYNTAX, line, message, new byte[0]);
      return;
    }
    FileFormatOption option = new FileFormatOption(fileFormat, (flags & FLAG_NO_METADATA) == 0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
    diagram.exportDiagram(bytes, 0, option);
    trySend(id, STATUS_OK, -1, "", bytes.toByteArray());
  }

  private static FileFormat toFileFormat(String format) {
    switch (format) {
      case "png": return FileFormat.PNG;
      case "svg": return FileFormat.SVG;
      case "pdf": return FileFormat.PDF;
      case "txt": return FileFormat.ATXT;
      case "utxt": return FileFormat.UTXT;
      default: return null;
    }
  }

  private static String readString(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_FRAME) throw new IOException("bad string length " + n);
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private void trySend(int id, int status, int line, String message, byte[] body) {
    try {
      send(id, status, line, message, body);
    } catch (IOException e) {
      // The parent closed the pipe; the read loop will notice EOF and exit.
    }
  }

  /** One writer at a time, so frames from render threads never interleave. */
  private synchronized void send(int id, int status, int line, String message, byte[] body) throws IOException {
    byte[] msg = message.getBytes(StandardCharsets.UTF_8);
    int length = 4 + 1 + 4 + 4 + msg.length + 4 + body.length;
    out.writeInt(length);
    out.writeInt(id);
    out.writeByte(status);
    out.writeInt(line);
    out.writeInt(msg.length);
    out.write(msg);
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }
}
