import { ref } from 'vue';
import { authApi, type Me } from '../api-auth';

const me = ref<Me>();

/** The logged-in person, shared by the shell and the pages. */
export function useSession() {
  return {
    me,
    async refresh(): Promise<Me | undefined> {
      me.value = await authApi.me().catch(() => undefined);
      return me.value;
    },
    async logout(): Promise<void> {
      await authApi.logout().catch(() => undefined);
      me.value = undefined;
    },
  };
}
